--
-- Faults: what is retried, what is not, and how often the mock was asked.
-- Every test resets the mock, injects one fault and shows the outcome and
-- the exact number of GetSessionStatus requests the mock saw.
--
SET timezone = 'UTC';
\getenv mock_port MOCK_PORT
\set endpoint http://127.0.0.1: :mock_port

-- The error with SQLSTATE and DETAIL, and what varies masked: request ids,
-- the mock's port, curl's elapsed time ("after 301 ms", "after 300
-- milliseconds").
CREATE FUNCTION show_fault(query text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  state text; msg text; detail text; n bigint;
BEGIN
  EXECUTE 'SELECT count(*) FROM (' || query || ') q' INTO n;
  RETURN 'no error, ' || n || ' row(s)';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL;
  msg := regexp_replace(msg, 'after [0-9]+ (ms|milliseconds)', 'after <n> ms');
  msg := regexp_replace(msg, '127\.0\.0\.1:[0-9]+', '127.0.0.1:<port>');
  RETURN concat_ws(E'\n', state || ': ' || msg,
         'DETAIL: ' || regexp_replace(detail, '[0-9a-f]{8}-[0-9a-f-]{27}', '<request-id>'));
END $$;

-- two retries at most: a fault that never stops costs 3 attempts and at
-- most 100 + 200 ms of backoff.  The timeouts are the defaults, so that no
-- attempt ends by a timeout unless a test injects one: a short limit is met
-- by a slow client too (under valgrind, a backend's first request alone
-- takes more than 300 ms), and the requests counted would then depend on
-- speed.
CREATE SERVER faulty FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', max_retries '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER faulty
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE FOREIGN TABLE faulty_sessions (session_id text, state text,
  state_change_reason text, start_date_time timestamptz) SERVER faulty;

-- === retried: throttling, 429, 5xx, resets, empty replies, timeouts ===

-- throttled twice, then answered: the row, after 3 requests
\! $MOCKCTL reset
\! $MOCKCTL fault throttle 2
SELECT session_id, state FROM faulty_sessions WHERE session_id = 's-idle';
\! $MOCKCTL count GetSessionStatus
-- throttled for ever: the last AWS error and the attempts, after 3 requests
\! $MOCKCTL reset
\! $MOCKCTL fault throttle -1
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus

-- TooManyRequestsException
\! $MOCKCTL reset
\! $MOCKCTL fault toomany 1
SELECT session_id, state FROM faulty_sessions WHERE session_id = 's-idle';
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL reset
\! $MOCKCTL fault toomany -1
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus

-- HTTP 429 without an AWS error type, with Retry-After: 1 (honoured)
\! $MOCKCTL reset
\! $MOCKCTL fault http429 1 --retry-after 1
SELECT session_id, state FROM faulty_sessions WHERE session_id = 's-idle';
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL reset
\! $MOCKCTL fault http429 -1
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus

-- HTTP 500 with a JSON error
\! $MOCKCTL reset
\! $MOCKCTL fault http500 2
SELECT session_id, state FROM faulty_sessions WHERE session_id = 's-idle';
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL reset
\! $MOCKCTL fault http500 -1
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus

-- 501 and 505 are not transient (botocore retries 500, 502, 503, 504 only):
-- asked once
\! $MOCKCTL reset
\! $MOCKCTL fault http500 -1 --status 501
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL reset
\! $MOCKCTL fault http500 -1 --status 505
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL reset
\! $MOCKCTL fault http500 -1 --status 502
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus

-- HTTP 503 with a proxy's HTML page
\! $MOCKCTL reset
\! $MOCKCTL fault html503 1
SELECT session_id, state FROM faulty_sessions WHERE session_id = 's-idle';
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL reset
\! $MOCKCTL fault html503 -1
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus

-- Connection failures.  Each test starts in a new backend, so that its
-- first attempt opens a new connection: libcurl resends a request by itself,
-- once, when a kept-alive connection dies before the first byte of the
-- answer (see the last test of this group).

-- connection reset (RST) before any answer
\c
\! $MOCKCTL reset
\! $MOCKCTL fault reset 1
SELECT session_id, state FROM faulty_sessions WHERE session_id = 's-idle';
\! $MOCKCTL count GetSessionStatus
\c
\! $MOCKCTL reset
\! $MOCKCTL fault reset -1
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus

-- connection closed without an answer
\c
\! $MOCKCTL reset
\! $MOCKCTL fault empty 2
SELECT session_id, state FROM faulty_sessions WHERE session_id = 's-idle';
\! $MOCKCTL count GetSessionStatus
\c
\! $MOCKCTL reset
\! $MOCKCTL fault empty -1
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus

-- on a kept-alive connection (left by the first query), the reset first
-- attempt is resent by libcurl on a new connection, which is reset too: one
-- attempt, two requests; then two more attempts on new connections
\c
\! $MOCKCTL reset
SELECT session_id, state FROM faulty_sessions WHERE session_id = 's-busy';
\! $MOCKCTL reset
\! $MOCKCTL fault reset -1
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus
SET timezone = 'UTC';

-- Timeouts, in a backend that has sent requests before, with a limit that
-- is long beside what sending a request takes (even under valgrind) and
-- short enough for a test.

-- a slow answer (1500 ms) past request_timeout_ms (1000): the attempt times
-- out, the retry is answered at once
ALTER SERVER faulty OPTIONS (ADD request_timeout_ms '1000');
\! $MOCKCTL reset
\! $MOCKCTL fault slow 1 --ms 1500
SELECT session_id, state FROM faulty_sessions WHERE session_id = 's-idle';
\! $MOCKCTL count GetSessionStatus
-- an endpoint that accepts the request and never answers: each attempt
-- times out after request_timeout_ms, and nothing is left hanging
\! $MOCKCTL reset
\! $MOCKCTL fault hang -1
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL idle
ALTER SERVER faulty OPTIONS (DROP request_timeout_ms);

-- one throttled id among three: only that one is asked again
\! $MOCKCTL reset
\! $MOCKCTL fault throttle 1
SELECT session_id, state FROM faulty_sessions
 WHERE session_id IN ('s-idle', 's-busy', 's-failed') ORDER BY session_id;
\! $MOCKCTL count GetSessionStatus

-- EXPLAIN ANALYZE counts the calls and the retries
\! $MOCKCTL reset
\! $MOCKCTL fault throttle 2
SELECT explain_lines($$EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF)
SELECT session_id FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus

-- max_retries 0: the first failure is final
ALTER SERVER faulty OPTIONS (SET max_retries '0');
\! $MOCKCTL reset
\! $MOCKCTL fault throttle -1
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus
ALTER SERVER faulty OPTIONS (SET max_retries '2');

-- === not retried: other 4xx, bodies we refuse, redirects ===

-- a 200 whose body is not JSON
\! $MOCKCTL reset
\! $MOCKCTL fault garbage -1
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus
-- a 200 of 2 MiB: refused past 1 MiB
\! $MOCKCTL reset
\! $MOCKCTL fault oversized -1
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus
-- 64 MiB, as a 200 and as a 500: refused past 1 MiB, never asked again
\! $MOCKCTL reset
\! $MOCKCTL fault oversized -1 --bytes 67108864
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL reset
\! $MOCKCTL fault oversized -1 --bytes 67108864 --status 500
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus
-- a redirect is never followed
\! $MOCKCTL reset
\! $MOCKCTL fault redirect -1
SELECT show_fault($$SELECT * FROM faulty_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus
-- a 400 that is not throttling: the unknown id is no row, asked once
\! $MOCKCTL reset
SELECT session_id, state FROM faulty_sessions WHERE session_id = 'no-such-session';
\! $MOCKCTL count GetSessionStatus
-- a 403 (bad signature): asked once
CREATE SERVER faulty_badkey FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', max_retries '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER faulty_badkey
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC', aws_secret_access_key 'not-the-secret');
CREATE FOREIGN TABLE faulty_badkey_sessions (session_id text) SERVER faulty_badkey;
\! $MOCKCTL reset
SELECT show_fault($$SELECT * FROM faulty_badkey_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus

-- === hostile answers: a clean ERROR, or the right row ===
-- (hostile-badutf8, whose ERROR depends on json-c, in bad_utf8.sql)
\! $MOCKCTL reset
SELECT id, show_fault(format('SELECT * FROM faulty_sessions WHERE session_id = %L', id))
  FROM unnest(ARRAY['hostile-garbage', 'hostile-html', 'hostile-truncated',
                    'hostile-empty', 'hostile-wrongtype-number',
                    'hostile-wrongtype-string', 'hostile-nostatus',
                    'hostile-nul', 'hostile-array',
                    'hostile-oversized', 'hostile-redirect']) AS id;
-- one request each, except hostile-html: a 503, retried twice
\! $MOCKCTL count GetSessionStatus
-- unknown fields are ignored, an unknown State passes through, UTF-8 is kept
\! $MOCKCTL reset
SELECT * FROM faulty_sessions
 WHERE session_id IN ('s-extra', 's-future', 's-unicode', 's-nulls', 's-min')
 ORDER BY session_id;
\! $MOCKCTL count GetSessionStatus

-- after all that, the backend is fine
SELECT session_id, state FROM faulty_sessions WHERE session_id = 's-busy';

DROP SERVER faulty, faulty_badkey CASCADE;
DROP FUNCTION show_fault(text);

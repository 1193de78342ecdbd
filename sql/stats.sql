--
-- Counters: athena_fdw_stats() per server and operation, exact against the
-- requests the mock received.  Without shared_preload_libraries they are
-- this backend's own (test/checks/stats_shared.sh checks the cluster-wide
-- ones).
--
\getenv mock_port MOCK_PORT
\set endpoint http://127.0.0.1: :mock_port
\! $MOCKCTL reset
SELECT athena_fdw_stats_reset();
SELECT count(*) AS entries FROM athena_fdw_stats;

-- a second server, whose key the mock refuses: counted apart
CREATE SERVER athena_stats_badkey FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER athena_stats_badkey
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC', aws_secret_access_key 'not-the-secret');
CREATE FOREIGN TABLE stats_badkey_sessions (session_id text, state text)
  SERVER athena_stats_badkey;

-- three ids, one unknown: three calls, one not-found answer
SELECT session_id, state FROM athena_sessions
 WHERE session_id IN ('s-idle', 's-busy', 'no-such-session') ORDER BY 1;
-- throttled twice (two kinds), then answered: two retries
\! $MOCKCTL fault throttle 1
\! $MOCKCTL fault http429 1 --append
SELECT state FROM athena_sessions WHERE session_id = 's-idle';
-- a 500 and a proxy's 503 page, then answered: two retries
\! $MOCKCTL fault http500 1
\! $MOCKCTL fault html503 1 --append
SELECT state FROM athena_sessions WHERE session_id = 's-busy';
-- refused: access denied, a redirect (neither retried); every column
-- asked for, so these go to GetSession
\! $MOCKCTL fault denied 1
SELECT split_part(show_error($$SELECT * FROM athena_sessions WHERE session_id = 's-idle'$$), ':', 1);
\! $MOCKCTL fault redirect 1
SELECT split_part(show_error($$SELECT * FROM athena_sessions WHERE session_id = 's-idle'$$), ':', 1);
-- a bad signature: an auth error, on the other server
SELECT split_part(show_error($$SELECT * FROM stats_badkey_sessions WHERE session_id = 's-idle'$$), ':', 1);

SELECT server, operation, calls, retries, throttled,
       errors_not_found AS not_found, errors_transient AS transient,
       errors_auth AS auth, errors_access_denied AS denied,
       errors_validation AS validation, errors_other AS other,
       errors_network AS network, errors_timeout AS timeout,
       errors_bad_response AS bad_response
  FROM athena_fdw_stats ORDER BY server, operation;
SELECT database = current_database() AS this_database, scope,
       time_ms > 0 AS timed, since <= now() AS since_before_now
  FROM athena_fdw_stats ORDER BY server;

-- exactly what the mock received and sent, over every operation
\set mock_calls `$MOCKCTL count`
\set mock_bytes `$MOCKCTL bytes`
SELECT sum(calls) = :mock_calls AS calls_as_mock, :mock_calls AS mock_calls,
       sum(bytes_received) = :mock_bytes AS bytes_as_mock
  FROM athena_fdw_stats;

-- no answer in time, no answer at all: timeout and network classes
CREATE SERVER athena_stats_quick FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', max_retries '0',
           request_timeout_ms '300');
CREATE USER MAPPING FOR CURRENT_USER SERVER athena_stats_quick
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE FOREIGN TABLE stats_quick_sessions (session_id text, state text)
  SERVER athena_stats_quick;
\! $MOCKCTL fault hang 1
SELECT split_part(show_error($$SELECT * FROM stats_quick_sessions WHERE session_id = 's-idle'$$), ':', 1);
ALTER SERVER athena_stats_quick OPTIONS (SET endpoint 'http://127.0.0.1:9');
SELECT split_part(show_error($$SELECT * FROM stats_quick_sessions WHERE session_id = 's-idle'$$), ':', 1);
SELECT server, calls, errors_timeout AS timeout, errors_network AS network
  FROM athena_fdw_stats WHERE server = 'athena_stats_quick';
\! $MOCKCTL idle

-- anyone may read them; only a superuser may reset them
CREATE ROLE regress_athena_stats;
SET ROLE regress_athena_stats;
SELECT count(*) > 0 AS readable FROM athena_fdw_stats;
SELECT athena_fdw_stats_reset();
RESET ROLE;
GRANT EXECUTE ON FUNCTION athena_fdw_stats_reset() TO regress_athena_stats;
SET ROLE regress_athena_stats;
SELECT athena_fdw_stats_reset();
RESET ROLE;
REVOKE EXECUTE ON FUNCTION athena_fdw_stats_reset() FROM regress_athena_stats;
DROP ROLE regress_athena_stats;
SELECT athena_fdw_stats_reset();
SELECT count(*) AS entries FROM athena_fdw_stats;

-- STS calls are counted under their action, beside the calls they sign
CREATE SERVER athena_stats_role FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER athena_stats_role
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE',
           role_arn 'arn:aws:iam::123456789012:role/mock-monitor');
CREATE FOREIGN TABLE stats_role_sessions (session_id text, state text)
  SERVER athena_stats_role;
\! $MOCKCTL reset
SELECT state FROM stats_role_sessions WHERE session_id = 's-idle';
\! $MOCKCTL identity count AssumeRole
SELECT server, operation, calls, retries, errors_other
  FROM athena_fdw_stats ORDER BY operation;

-- the rows of a dropped server go when the DROP commits, not before
BEGIN;
DROP SERVER athena_stats_role CASCADE;
SELECT server, operation, calls FROM athena_fdw_stats ORDER BY operation;
ROLLBACK;
SELECT server, operation, calls FROM athena_fdw_stats ORDER BY operation;
BEGIN;
SAVEPOINT a;
DROP SERVER athena_stats_role CASCADE;
ROLLBACK TO a;
COMMIT;
SELECT server, operation, calls FROM athena_fdw_stats ORDER BY operation;
DROP SERVER athena_stats_badkey, athena_stats_quick, athena_stats_role CASCADE;
SELECT count(*) AS entries FROM athena_fdw_stats;

--
-- The retry quota (botocore's standard mode): 500 tokens per client (one
-- server and user mapping in a backend), 5 taken by each retry, given back
-- by successes.  In an outage retries stop once it is empty, and the ERROR
-- says so; successes make retries possible again.
--
\getenv mock_port MOCK_PORT
\set endpoint http://127.0.0.1: :mock_port
CREATE SERVER outage FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', max_retries '5',
           max_concurrency '256');
CREATE USER MAPPING FOR CURRENT_USER SERVER outage
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE FOREIGN TABLE outage_sessions (session_id text, state text) SERVER outage;

CREATE FUNCTION quota_error(query text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  msg text; detail text; hint text;
BEGIN
  EXECUTE query;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
                          hint = PG_EXCEPTION_HINT;
  RETURN concat_ws(E'\n', msg,
         'DETAIL: ' || regexp_replace(detail, '[0-9a-f]{8}-[0-9a-f-]{27}', '<request-id>'),
         'HINT: ' || hint);
END $$;

-- 256 ids in flight, every answer a 500: 100 retries empty the quota, the
-- 101st failure is not retried and ends the query.  Without the quota the
-- outage would cost 256 x 6 = 1536 requests; with it at most 256 + 100.
\! $MOCKCTL reset
\! $MOCKCTL fault http500 -1
-- (whose failure ends it depends on timing: an id refused its first retry,
-- or one whose first retry got the quota's last tokens)
SELECT regexp_replace(quota_error($$SELECT count(*) FROM outage_sessions
  WHERE session_id = ANY(ARRAY(SELECT 'gen-' || g FROM generate_series(1, 256) g))$$),
  '[12] attempts?\.', '1 or 2 attempts.') AS quota_error;
\! n=$($MOCKCTL count GetSessionStatus); [ "$n" -le 356 ] && echo "at most 356 requests"
-- the quota stays empty: the next failure is asked once
\! $MOCKCTL reset
\! $MOCKCTL fault http500 -1
SELECT quota_error($$SELECT * FROM outage_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus

-- the outage ends: 4 successes give back 4 tokens, not enough for a retry
\! $MOCKCTL reset
SELECT count(*) FROM outage_sessions WHERE session_id IN ('s-idle', 's-busy', 'gen-1', 'gen-2');
\! $MOCKCTL fault http500 1
SELECT quota_error($$SELECT * FROM outage_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count GetSessionStatus
-- the fifth does: the next 500 is retried, and the row comes
\! $MOCKCTL reset
SELECT state FROM outage_sessions WHERE session_id = 's-busy';
\! $MOCKCTL fault http500 1
SELECT state FROM outage_sessions WHERE session_id = 's-idle';
\! $MOCKCTL count GetSessionStatus

DROP SERVER outage CASCADE;
DROP FUNCTION quota_error(text);

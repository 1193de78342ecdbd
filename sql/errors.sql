--
-- Failures: AWS errors carry type, message, HTTP status and request id, and
-- never a secret.
--
SET timezone = 'UTC';
\getenv mock_port MOCK_PORT
\set endpoint http://127.0.0.1: :mock_port

-- Shows an error with what varies between runs masked (request ids, curl's
-- elapsed milliseconds), and checks that no secret appears anywhere in it.
CREATE FUNCTION show_error(query text, secrets text[] DEFAULT '{}')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  state text; msg text; detail text; hint text; s text;
BEGIN
  EXECUTE query;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
  FOREACH s IN ARRAY secrets LOOP
    IF strpos(concat(msg, detail, hint), s) > 0 THEN
      RETURN 'SECRET LEAKED';
    END IF;
  END LOOP;
  msg := regexp_replace(msg, 'after [0-9]+ ms', 'after <n> ms');
  -- libcurl's wording, as 8.14 (Debian 13) puts it: 7.88 (Debian 12) says
  -- "Couldn't connect", newer ones "to 127.0.0.1:1" for "to 127.0.0.1 port 1"
  msg := replace(msg, 'Couldn''t connect to server', 'Could not connect to server');
  detail := replace(detail, 'Couldn''t connect to server', 'Could not connect to server');
  msg := regexp_replace(msg, 'to ([0-9.]+):([0-9]+) after', 'to \1 port \2 after');
  detail := regexp_replace(detail, 'to ([0-9.]+):([0-9]+) after', 'to \1 port \2 after');
  RETURN concat_ws(E'\n', state || ': ' || msg,
         'DETAIL: ' || regexp_replace(detail, '[0-9a-f]{8}-[0-9a-f-]{27}', '<request-id>'),
         'HINT: ' || hint);
END $$;

-- wrong secret: the service's InvalidSignatureException, no retry, no secret
CREATE SERVER wrong_secret FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER wrong_secret
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC', aws_secret_access_key 'WRONG/secret/never+shown');
CREATE FOREIGN TABLE wrong_secret_sessions (session_id text, state text) SERVER wrong_secret;
\! $MOCKCTL reset
SELECT show_error($$SELECT * FROM wrong_secret_sessions WHERE session_id = 's-idle'$$,
                  '{WRONG/secret/never+shown}');
\! $MOCKCTL count GetSessionStatus
-- the same in the plain error format
\set VERBOSITY terse
SELECT * FROM wrong_secret_sessions WHERE session_id = 's-idle';
\set VERBOSITY default

-- unknown access key
ALTER USER MAPPING FOR CURRENT_USER SERVER wrong_secret
  OPTIONS (SET aws_access_key_id 'AKIDUNKNOWN');
SELECT show_error($$SELECT * FROM wrong_secret_sessions WHERE session_id = 's-idle'$$,
                  '{WRONG/secret/never+shown}');

-- signing for another region than the endpoint's
CREATE SERVER wrong_region FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'eu-west-1', endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER wrong_region
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE FOREIGN TABLE wrong_region_sessions (session_id text, state text) SERVER wrong_region;
SELECT show_error($$SELECT * FROM wrong_region_sessions WHERE session_id = 's-idle'$$,
                  '{mock/static/SECRET+key0123456789abcdefEXAMPLE}');

-- nothing listening: a network error with curl's message, after retries
CREATE SERVER unreachable FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:1', max_retries '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER unreachable
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC', aws_secret_access_key 'WRONG/secret/never+shown');
CREATE FOREIGN TABLE unreachable_sessions (session_id text, state text) SERVER unreachable;
SELECT show_error($$SELECT * FROM unreachable_sessions WHERE session_id = 's-idle'$$,
                  '{WRONG/secret/never+shown}');

-- an endpoint the client cannot parse, as stored before the validator
-- refused such values: the parser's reason under SQLSTATE HV024, not
-- "out of memory"
CREATE SERVER bad_endpoint FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:1');
CREATE USER MAPPING FOR CURRENT_USER SERVER bad_endpoint
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC', aws_secret_access_key 'WRONG/secret/never+shown');
CREATE FOREIGN TABLE bad_endpoint_sessions (session_id text, state text) SERVER bad_endpoint;
UPDATE pg_foreign_server SET srvoptions = '{region=us-east-1,endpoint=https://127.0.0.1:99999}'
  WHERE srvname = 'bad_endpoint';
SELECT show_error($$SELECT * FROM bad_endpoint_sessions WHERE session_id = 's-idle'$$);
UPDATE pg_foreign_server SET srvoptions = '{region=us-east-1,endpoint=http://[zz]:1}'
  WHERE srvname = 'bad_endpoint';
SELECT show_error($$SELECT * FROM bad_endpoint_sessions WHERE session_id = 's-idle'$$);
UPDATE pg_foreign_server SET srvoptions = '{region=us-east-1,endpoint=http://:80}'
  WHERE srvname = 'bad_endpoint';
SELECT show_error($$SELECT * FROM bad_endpoint_sessions WHERE session_id = 's-idle'$$);

-- no region anywhere (the server process has no AWS_REGION)
CREATE SERVER no_region FOREIGN DATA WRAPPER athena_fdw OPTIONS (endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER no_region
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC', aws_secret_access_key 'WRONG/secret/never+shown');
CREATE FOREIGN TABLE no_region_sessions (session_id text, state text) SERVER no_region;
SELECT show_error($$SELECT * FROM no_region_sessions WHERE session_id = 's-idle'$$);
-- EXPLAIN does not need the region
SELECT explain_lines($$EXPLAIN (COSTS OFF) SELECT * FROM no_region_sessions WHERE session_id = 's-idle'$$);

-- no user mapping at all
CREATE SERVER no_mapping FOREIGN DATA WRAPPER athena_fdw OPTIONS (endpoint :'endpoint');
CREATE FOREIGN TABLE no_mapping_sessions (session_id text, state text) SERVER no_mapping;
-- PostgreSQL's message (17 adds the server: for user "postgres", server
-- "no_mapping"), in 15's words
SELECT regexp_replace(show_error($$SELECT * FROM no_mapping_sessions WHERE session_id = 's-idle'$$),
                      'for user ("[^"]*"), server "no_mapping"', 'for \1');

-- an error ends the query but not the session: the next query works
SELECT session_id, state FROM athena_sessions WHERE session_id = 's-idle';

DROP SERVER wrong_secret, wrong_region, unreachable, bad_endpoint, no_region, no_mapping CASCADE;

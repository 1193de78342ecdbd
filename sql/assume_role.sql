--
-- AssumeRole over the user mapping's keys: the temporary keys STS hands out
-- sign the Athena calls; they are cached until 15 minutes before they
-- expire, and ALTER of the mapping or server drops them.
--
\getenv mock_port MOCK_PORT
\set endpoint http://127.0.0.1: :mock_port
CREATE SERVER monitored FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER monitored
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE',
           role_arn 'arn:aws:iam::123456789012:role/mock-monitor');
CREATE FOREIGN TABLE monitored_sessions (session_id text, state text) SERVER monitored;

\! $MOCKCTL reset
SELECT * FROM monitored_sessions WHERE session_id = 's-idle';
-- one AssumeRole, signed with the mapping's keys, default session name
\! $MOCKCTL identity counts
\! $MOCKCTL identity last access_key_id
\! $MOCKCTL identity last role_session_name
\! $MOCKCTL identity last duration_seconds
-- Athena was signed with the role's temporary keys, token included
\! $MOCKCTL last access_key_id | cut -c1-8
\! $MOCKCTL last signed_headers | grep x-amz-security-token

-- the cache: two more queries, still one AssumeRole
SELECT * FROM monitored_sessions WHERE session_id = 's-busy';
SELECT count(*) FROM monitored_sessions WHERE session_id IN ('s-idle', 's-busy');
\! $MOCKCTL identity count AssumeRole
\! $MOCKCTL count GetSessionStatus

-- ALTER USER MAPPING drops the cached keys; so does ALTER SERVER
ALTER USER MAPPING FOR CURRENT_USER SERVER monitored
  OPTIONS (ADD role_session_name 'nightly-report', ADD role_duration_seconds '900');
SELECT * FROM monitored_sessions WHERE session_id = 's-idle';
\! $MOCKCTL identity count AssumeRole
\! $MOCKCTL identity last role_session_name
\! $MOCKCTL identity last duration_seconds
ALTER SERVER monitored OPTIONS (ADD max_retries '1');
SELECT * FROM monitored_sessions WHERE session_id = 's-idle';
SELECT * FROM monitored_sessions WHERE session_id = 's-idle';
\! $MOCKCTL identity count AssumeRole

-- keys are renewed from 15 minutes before they expire, at the latest 10
-- minutes before (half and a third of their life when they live less than
-- 30 minutes): keys for 6 s are renewed after 3 s; a renewal that fails
-- with time left keeps the keys it has
\! $MOCKCTL identity expires-in 6
ALTER SERVER monitored OPTIONS (SET max_retries '1');
SELECT * FROM monitored_sessions WHERE session_id = 's-idle';
SELECT * FROM monitored_sessions WHERE session_id = 's-idle';
\! $MOCKCTL identity count AssumeRole
SELECT pg_sleep(3.2);
SELECT * FROM monitored_sessions WHERE session_id = 's-idle';
\! $MOCKCTL identity count AssumeRole
-- keys for 24 s: after 12.5 s, in the advisory window (from 12 s to 16 s):
-- STS's Throttling (a 400, retried by its code: 2 attempts) leaves the
-- old keys in use
\! $MOCKCTL reset
\! $MOCKCTL identity expires-in 24
ALTER SERVER monitored OPTIONS (SET max_retries '1');
SELECT * FROM monitored_sessions WHERE session_id = 's-idle';
SELECT pg_sleep(12.5);
\! $MOCKCTL identity sts-fault Throttling 2
SELECT * FROM monitored_sessions WHERE session_id = 's-idle';
\! $MOCKCTL identity count sts_fault
\! $MOCKCTL identity count AssumeRole
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL identity expires-in default
ALTER SERVER monitored OPTIONS (SET max_retries '2');

-- AWS refuses the cached keys as expired (its clock ahead of ours): they
-- are renewed once for the whole query, and the refused requests retried
\! $MOCKCTL reset
SELECT * FROM monitored_sessions WHERE session_id = 's-idle';
\! $MOCKCTL identity expire-issued
SELECT session_id, state FROM monitored_sessions
 WHERE session_id IN ('s-idle', 's-busy') ORDER BY 1;
\! $MOCKCTL identity count AssumeRole
\! $MOCKCTL count GetSessionStatus
-- and the query after it uses the renewed keys: no renewal, one request
SELECT * FROM monitored_sessions WHERE session_id = 's-idle';
\! $MOCKCTL identity count AssumeRole
\! $MOCKCTL count GetSessionStatus

-- a role that needs an external id
\! $MOCKCTL reset
ALTER USER MAPPING FOR CURRENT_USER SERVER monitored
  OPTIONS (SET role_arn 'arn:aws:iam::123456789012:role/mock-external',
           ADD external_id 'mock-external-id');
SELECT * FROM monitored_sessions WHERE session_id = 's-busy';
\! $MOCKCTL identity last external_id

-- a refused AssumeRole is an ERROR naming STS's code and message; no
-- Athena call is made
\! $MOCKCTL reset
ALTER USER MAPPING FOR CURRENT_USER SERVER monitored
  OPTIONS (SET role_arn 'arn:aws:iam::123456789012:role/mock-denied', DROP external_id);
SELECT show_error($$SELECT * FROM monitored_sessions WHERE session_id = 's-idle'$$,
                  '{mock/static/SECRET+key0123456789abcdefEXAMPLE}');
\! $MOCKCTL identity counts
\! $MOCKCTL count GetSessionStatus

-- wrong base keys: STS's own error
ALTER USER MAPPING FOR CURRENT_USER SERVER monitored
  OPTIONS (SET role_arn 'arn:aws:iam::123456789012:role/mock-monitor',
           SET aws_secret_access_key 'WRONG/secret/never+shown');
SELECT show_error($$SELECT * FROM monitored_sessions WHERE session_id = 's-idle'$$,
                  '{WRONG/secret/never+shown}');

-- STS unreachable
ALTER SERVER monitored OPTIONS (SET sts_endpoint 'http://127.0.0.1:9', SET max_retries '0');
SELECT regexp_replace(show_error($$SELECT * FROM monitored_sessions WHERE session_id = 's-idle'$$),
                      'after [0-9]+ ms', 'after <n> ms');

DROP SERVER monitored CASCADE;

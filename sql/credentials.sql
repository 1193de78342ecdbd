--
-- Credentials: static keys, temporary keys with a session token, and what
-- happens without keys.
--
\getenv mock_port MOCK_PORT
\set endpoint http://127.0.0.1: :mock_port
CREATE SERVER temp_keys FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER temp_keys
  OPTIONS (aws_access_key_id 'ASIAMOCKTEMP',
           aws_secret_access_key 'mock/temp/SECRET+key0123456789abcdefEXAMPLE',
           aws_session_token 'mock-session-token/EXAMPLE+0123456789==');
CREATE FOREIGN TABLE temp_sessions (session_id text, state text) SERVER temp_keys;

\! $MOCKCTL reset
SELECT * FROM temp_sessions WHERE session_id IN ('s-idle', 's-busy') ORDER BY 1;
\! $MOCKCTL count GetSessionStatus
-- the token is sent, and signed
\! $MOCKCTL last signed_headers

-- temporary keys without their token are refused by the service
ALTER USER MAPPING FOR CURRENT_USER SERVER temp_keys OPTIONS (DROP aws_session_token);
SELECT show_error($$SELECT * FROM temp_sessions WHERE session_id = 's-idle'$$,
                  '{mock/temp/SECRET+key0123456789abcdefEXAMPLE}');

-- a mapping without keys
ALTER USER MAPPING FOR CURRENT_USER SERVER temp_keys
  OPTIONS (DROP aws_access_key_id, DROP aws_secret_access_key);
SELECT show_error($$SELECT * FROM temp_sessions WHERE session_id = 's-idle'$$);

-- a non-superuser with a mapping of its own
CREATE ROLE athena_reader LOGIN;
GRANT USAGE ON FOREIGN SERVER athena TO athena_reader;
GRANT SELECT ON athena_sessions TO athena_reader;
CREATE USER MAPPING FOR athena_reader SERVER athena
  OPTIONS (aws_access_key_id 'ASIAMOCKTEMP',
           aws_secret_access_key 'mock/temp/SECRET+key0123456789abcdefEXAMPLE',
           aws_session_token 'mock-session-token/EXAMPLE+0123456789==');
SET ROLE athena_reader;
SELECT session_id, state FROM athena_sessions WHERE session_id = 's-busy';
-- the keys are not readable by the user through the catalog views
SELECT srvname, umoptions IS NULL AS options_hidden FROM pg_user_mappings
 WHERE srvname = 'athena' AND usename = 'postgres';
RESET ROLE;
\! $MOCKCTL last signed_headers

DROP SERVER temp_keys CASCADE;
DROP USER MAPPING FOR athena_reader SERVER athena;
REVOKE ALL ON athena_sessions FROM athena_reader;
REVOKE ALL ON FOREIGN SERVER athena FROM athena_reader;
DROP ROLE athena_reader;

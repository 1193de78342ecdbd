--
-- Who may use which identity.  A non-superuser signs with the keys of its
-- own user mapping and never with the server's: without keys it gets an
-- ERROR before any request (Athena, STS or metadata) is made.  A superuser
-- may lend the server's credential chain to a mapping with
-- ambient_credentials.  Non-superusers may point a server only at AWS or at
-- loopback.
--
\getenv mock_port MOCK_PORT
\set endpoint http://127.0.0.1: :mock_port
CREATE ROLE athena_alice LOGIN;
CREATE ROLE athena_bob LOGIN;
CREATE SERVER shared_srv FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', sts_endpoint :'endpoint');
GRANT USAGE ON FOREIGN SERVER shared_srv TO athena_alice, athena_bob;
CREATE FOREIGN TABLE shared_sessions (session_id text, state text) SERVER shared_srv;
GRANT SELECT ON shared_sessions TO athena_alice, athena_bob;
CREATE USER MAPPING FOR athena_alice SERVER shared_srv
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE USER MAPPING FOR athena_bob SERVER shared_srv;

-- alice signs with her own keys
\! $MOCKCTL reset
SET ROLE athena_alice;
SELECT * FROM shared_sessions WHERE session_id = 's-idle';
RESET ROLE;
\! $MOCKCTL last access_key_id

-- bob has no keys: an ERROR, and not one request of any kind
SET ROLE athena_bob;
SELECT show_error($$SELECT * FROM shared_sessions WHERE session_id = 's-idle'$$);
RESET ROLE;
-- nor with a role to assume: STS is never asked with the server's identity
ALTER USER MAPPING FOR athena_bob SERVER shared_srv
  OPTIONS (ADD role_arn 'arn:aws:iam::123456789012:role/mock-monitor');
SET ROLE athena_bob;
SELECT show_error($$SELECT * FROM shared_sessions WHERE session_id = 's-idle'$$);
RESET ROLE;
\! $MOCKCTL count
\! $MOCKCTL identity counts

-- bob cannot give himself the server's identity or one of its profiles
SET ROLE athena_bob;
ALTER USER MAPPING FOR athena_bob SERVER shared_srv OPTIONS (ADD ambient_credentials 'true');
ALTER USER MAPPING FOR athena_bob SERVER shared_srv OPTIONS (ADD aws_profile 'default');
RESET ROLE;

-- a superuser can: bob then reaches the server's chain (which here has
-- nothing: no environment keys, no files, instance metadata disabled)
ALTER USER MAPPING FOR athena_bob SERVER shared_srv OPTIONS (ADD ambient_credentials 'true');
SET ROLE athena_bob;
SELECT show_error($$SELECT * FROM shared_sessions WHERE session_id = 's-idle'$$);
-- and bob can no longer change that mapping's role
ALTER USER MAPPING FOR athena_bob SERVER shared_srv
  OPTIONS (SET role_arn 'arn:aws:iam::123456789012:role/other');
RESET ROLE;
-- a superuser without keys reaches the chain too
CREATE USER MAPPING FOR CURRENT_USER SERVER shared_srv;
SELECT show_error($$SELECT * FROM shared_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count

-- endpoint rules for a server a non-superuser creates
GRANT USAGE ON FOREIGN DATA WRAPPER athena_fdw TO athena_alice;
SET ROLE athena_alice;
CREATE SERVER alice_srv FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint 'http://athena.us-east-1.amazonaws.com');
CREATE SERVER alice_srv FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint 'https://athena.us-east-1.amazonaws.com.evil.example');
CREATE SERVER alice_srv FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint 'http://10.0.0.5:8080');
CREATE SERVER alice_srv FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint 'https://athena.us-east-1.amazonaws.com');
ALTER SERVER alice_srv OPTIONS (SET endpoint 'https://athena.us-east-1.api.aws');
ALTER SERVER alice_srv OPTIONS (SET endpoint 'https://athena.cn-north-1.amazonaws.com.cn');
ALTER SERVER alice_srv OPTIONS (SET endpoint 'http://127.0.0.1:9');
ALTER SERVER alice_srv OPTIONS (ADD sts_endpoint 'https://sts.us-east-1.amazonaws.com');
ALTER SERVER alice_srv OPTIONS (ADD ca_file '/etc/ssl/certs/ca-certificates.crt');

-- a PUBLIC mapping's options are readable by members of the server's
-- owning role (and superusers), not by the other users of the server
CREATE USER MAPPING FOR PUBLIC SERVER alice_srv
  OPTIONS (aws_access_key_id 'AKIDPUBLIC', aws_secret_access_key 'public/not-a-real-secret');
SELECT usename, umoptions IS NOT NULL AS options_visible
  FROM pg_user_mappings WHERE srvname = 'alice_srv';
GRANT USAGE ON FOREIGN SERVER alice_srv TO athena_bob;
RESET ROLE;
SET ROLE athena_bob;
SELECT usename, umoptions IS NOT NULL AS options_visible
  FROM pg_user_mappings WHERE srvname = 'alice_srv';
-- bob's own mapping is his to read
SELECT usename, umoptions IS NOT NULL AS options_visible
  FROM pg_user_mappings WHERE srvname = 'shared_srv' ORDER BY usename;
RESET ROLE;

-- a loopback endpoint is an address of this machine, not a name that
-- starts like one: these resolve wherever their owner likes
SET ROLE athena_alice;
ALTER SERVER alice_srv OPTIONS (SET endpoint 'http://127.evil.example:8080');
ALTER SERVER alice_srv OPTIONS (SET endpoint 'http://127.0.0.1.nip.io');
ALTER SERVER alice_srv OPTIONS (SET endpoint 'http://localhost.evil.example');
ALTER SERVER alice_srv OPTIONS (SET endpoint 'http://[::1]:9');
ALTER SERVER alice_srv OPTIONS (SET endpoint 'http://localhost:9');
RESET ROLE;

-- header injection: a value with a control character is refused when set,
-- whoever sets it and whatever option it is, so no request carries it
CREATE FOREIGN TABLE alice_sessions (session_id text, state text) SERVER alice_srv;
GRANT SELECT ON alice_sessions TO athena_alice;
SET ROLE athena_alice;
ALTER SERVER alice_srv OPTIONS (SET endpoint :'endpoint');
CREATE USER MAPPING FOR athena_alice SERVER alice_srv
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
\! $MOCKCTL reset
ALTER USER MAPPING FOR athena_alice SERVER alice_srv OPTIONS (ADD aws_session_token
  E'tok\r\nContent-Length: 0\r\n\r\nPOST /other HTTP/1.1\r\nHost: x\r\n\r\n');
ALTER USER MAPPING FOR athena_alice SERVER alice_srv
  OPTIONS (ADD aws_session_token E'tok\r\nX-Injected: yes');
ALTER USER MAPPING FOR athena_alice SERVER alice_srv
  OPTIONS (SET aws_access_key_id E'AKIDMOCKSTATIC\nX-Injected: yes');
ALTER USER MAPPING FOR athena_alice SERVER alice_srv
  OPTIONS (SET aws_secret_access_key E'secret\x7f');
ALTER SERVER alice_srv OPTIONS (ADD workgroup E'primary\tx');
SELECT * FROM alice_sessions WHERE session_id = 's-idle';
RESET ROLE;
\! $MOCKCTL count
\! $MOCKCTL last header_names
-- a value an older version let into the catalog is refused when read: the
-- scan fails before any request
UPDATE pg_user_mapping
   SET umoptions = array_append(umoptions, E'aws_session_token=tok\r\nX-Injected: yes')
 WHERE umuser = 'athena_alice'::regrole
   AND umserver = (SELECT oid FROM pg_foreign_server WHERE srvname = 'alice_srv');
\! $MOCKCTL reset
SET ROLE athena_alice;
SELECT show_error($$SELECT * FROM alice_sessions WHERE session_id = 's-idle'$$);
RESET ROLE;
\! $MOCKCTL count

-- a superuser querying a server a non-superuser owns, through a keyless
-- mapping, lends it nothing: the owner chose the endpoint
\! $MOCKCTL reset
ALTER USER MAPPING FOR PUBLIC SERVER alice_srv
  OPTIONS (DROP aws_access_key_id, DROP aws_secret_access_key);
SELECT show_error($$SELECT * FROM alice_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL count
\! $MOCKCTL identity counts
-- unless a superuser says so on the mapping (the chain has nothing here)
ALTER USER MAPPING FOR PUBLIC SERVER alice_srv OPTIONS (ADD ambient_credentials 'true');
SELECT show_error($$SELECT * FROM alice_sessions WHERE session_id = 's-idle'$$);
-- and a superuser's own server lends it to the superuser
ALTER SERVER alice_srv OWNER TO CURRENT_USER;
ALTER USER MAPPING FOR PUBLIC SERVER alice_srv OPTIONS (DROP ambient_credentials);
SELECT show_error($$SELECT * FROM alice_sessions WHERE session_id = 's-idle'$$);

DROP SERVER alice_srv CASCADE;
DROP SERVER shared_srv CASCADE;
REVOKE ALL ON FOREIGN DATA WRAPPER athena_fdw FROM athena_alice;
DROP ROLE athena_alice;
DROP ROLE athena_bob;

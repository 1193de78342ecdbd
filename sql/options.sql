--
-- Options: the validator rejects what a query could not use.
--
CREATE EXTENSION athena_fdw;
-- what \dx shows (its columns differ between versions)
SELECT e.extname, e.extversion, n.nspname AS schema, d.description
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
  LEFT JOIN pg_description d
         ON d.classoid = 'pg_extension'::regclass AND d.objoid = e.oid
 WHERE e.extname = 'athena_fdw';

-- server options
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (regoin 'us-east-1');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (region 'US East 1');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (region '');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (endpoint 'ftp://example.com');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (endpoint 'https://');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (endpoint 'https://user:pw@example.com');
-- what the client's URL parser refuses is refused here, naming the option
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (endpoint 'https://127.0.0.1:99999');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (endpoint 'http://[zz]:1');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (endpoint 'http://:80');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_concurrency '0');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_concurrency '257');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_concurrency '8x');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_retries '21');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_retries '-1');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (connect_timeout_ms '0');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (request_timeout_ms '99999999999');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_requests_per_second '0');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_requests_per_second '-40');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_requests_per_second '40/s');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_requests_per_second 'NaN');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_requests_per_second '2e6');
-- numbers are plain decimals, the same strict way for every option: no
-- blanks on either side, no sign, no hex, no exponent
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_concurrency ' 8');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_concurrency '8 ');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_concurrency '+8');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_concurrency '0x10');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_requests_per_second '0x10');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_requests_per_second ' 5');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_requests_per_second '1e3');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_requests_per_second 'inf');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_requests_per_second '.5');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (max_requests_per_second '5.');
CREATE SERVER decimal_rate FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (max_requests_per_second '0.5', max_concurrency '08');
DROP SERVER decimal_rate;
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (aws_access_key_id 'AKID');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (region 'us-east');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (region 'east-1');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (region 'us-east-1-');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (sts_endpoint 'sts.amazonaws.com');
CREATE SERVER bad FOREIGN DATA WRAPPER athena_fdw OPTIONS (sts_endpoint 'http://[zz]:1');
CREATE SERVER region_shapes FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-gov-west-1', sts_endpoint 'https://sts.us-gov-west-1.amazonaws.com',
           ca_file '/etc/ssl/certs/ca-certificates.crt');
ALTER SERVER region_shapes OPTIONS (SET region 'cn-northwest-1');
ALTER SERVER region_shapes OPTIONS (SET region 'ap-southeast-4');
DROP SERVER region_shapes;
CREATE SERVER good FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'eu-west-1', endpoint 'http://127.0.0.1:9', max_concurrency '256',
           max_retries '0', connect_timeout_ms '100', request_timeout_ms '1000');
ALTER SERVER good OPTIONS (SET max_concurrency '300');
ALTER SERVER good OPTIONS (SET endpoint 'https://127.0.0.1:99999');
ALTER SERVER good OPTIONS (SET endpoint 'http://[::1]:8080/athena/');
ALTER SERVER good OPTIONS (SET max_concurrency '1', DROP max_retries);
ALTER SERVER good OPTIONS (ADD max_requests_per_second '0.5');
SELECT srvname, srvoptions FROM pg_foreign_server WHERE srvname = 'good';

-- wrapper options: none; table options: workgroup, table_name
ALTER FOREIGN DATA WRAPPER athena_fdw OPTIONS (region 'us-east-1');
CREATE FOREIGN TABLE bad_table (session_id text) SERVER good OPTIONS (workgrup 'primary');
CREATE FOREIGN TABLE wg_table (session_id text) SERVER good OPTIONS (workgroup 'primary');
DROP FOREIGN TABLE wg_table;
-- table_name: which Athena table the foreign table shows
CREATE FOREIGN TABLE bad_table (session_id text) SERVER good OPTIONS (table_name 'athena_queries');
CREATE FOREIGN TABLE calc_table (session_id text) SERVER good OPTIONS (table_name 'athena_calculations');
ALTER FOREIGN TABLE calc_table OPTIONS (SET table_name 'Athena_Sessions');
ALTER FOREIGN TABLE calc_table OPTIONS (SET table_name 'athena_sessions');
DROP FOREIGN TABLE calc_table;
CREATE FOREIGN TABLE bad_column (session_id text OPTIONS (field 'SessionId')) SERVER good;

-- user mapping options: keys come in pairs, a token needs keys
CREATE USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (aws_access_key 'AKID');
CREATE USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (aws_access_key_id 'AKID');
CREATE USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (aws_secret_access_key 'not-a-real-secret');
CREATE USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (aws_session_token 'not-a-real-token');
CREATE USER MAPPING FOR CURRENT_USER SERVER good
  OPTIONS (aws_access_key_id 'AKID', aws_secret_access_key 'not-a-real-secret');
ALTER USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (DROP aws_secret_access_key);
ALTER USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (ADD aws_session_token 'not-a-real-token');

-- AssumeRole options: an IAM role ARN, STS's names, a duration STS allows
ALTER USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (ADD role_arn 'arn:aws:iam::12345678901:role/r');
ALTER USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (ADD role_arn 'arn:aws:iam::123456789012:user/u');
ALTER USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (ADD role_arn 'arn:aws:iam::123456789012:role/');
ALTER USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (ADD role_arn 'arn:aws:iam::123456789012:role/a b');
ALTER USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (ADD external_id 'x1');
ALTER USER MAPPING FOR CURRENT_USER SERVER good
  OPTIONS (ADD role_arn 'arn:aws:iam::123456789012:role/r', ADD role_session_name 'a');
ALTER USER MAPPING FOR CURRENT_USER SERVER good
  OPTIONS (ADD role_arn 'arn:aws:iam::123456789012:role/r', ADD role_session_name 'two words');
ALTER USER MAPPING FOR CURRENT_USER SERVER good
  OPTIONS (ADD role_arn 'arn:aws:iam::123456789012:role/r', ADD external_id 'a;b');
ALTER USER MAPPING FOR CURRENT_USER SERVER good
  OPTIONS (ADD role_arn 'arn:aws:iam::123456789012:role/r', ADD role_duration_seconds '899');
ALTER USER MAPPING FOR CURRENT_USER SERVER good
  OPTIONS (ADD role_arn 'arn:aws:iam::123456789012:role/r', ADD role_duration_seconds '43201');
ALTER USER MAPPING FOR CURRENT_USER SERVER good
  OPTIONS (ADD ambient_credentials 'maybe');
-- FIPS and dual-stack: booleans; absent, the environment and profile decide
ALTER SERVER good OPTIONS (ADD use_fips_endpoint 'fips');
ALTER SERVER good OPTIONS (ADD use_fips_endpoint 'on', ADD use_dualstack_endpoint 'false');
ALTER SERVER good OPTIONS (DROP use_fips_endpoint, DROP use_dualstack_endpoint);
ALTER USER MAPPING FOR CURRENT_USER SERVER good
  OPTIONS (ADD role_arn 'arn:aws-cn:iam::123456789012:role/path/Monitor',
           ADD external_id 'ext-1:/=', ADD role_session_name 'ops@example.com',
           ADD role_duration_seconds '43200', ADD aws_profile 'ops',
           ADD ambient_credentials 'true');
SELECT o FROM pg_user_mappings, unnest(umoptions) o
 WHERE srvname = 'good' AND o !~ '^aws_(access|secret|session)' ORDER BY o;
DROP USER MAPPING FOR CURRENT_USER SERVER good;
DROP SERVER good;

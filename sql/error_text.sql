--
-- AWS error text reaches messages without control characters (newline, CR,
-- ESC sequences, ...), converted to the database encoding, with an ASCII
-- escape for a character the encoding lacks.  The mock's hostile-error-text
-- answers a 400 whose type and message hold such text.
--
\getenv mock_port MOCK_PORT
\set endpoint http://127.0.0.1: :mock_port
\set VERBOSITY terse
SET client_encoding = 'UTF8';
-- UTF8: every character as sent, control characters gone
SELECT session_id FROM athena_sessions WHERE session_id = 'hostile-error-text';

CREATE DATABASE athena_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'
  TEMPLATE template0;
CREATE DATABASE athena_euc_jp ENCODING 'EUC_JP' LC_COLLATE 'C' LC_CTYPE 'C'
  TEMPLATE template0;
-- what each of them needs, run after \c
\set setup 'SET client_encoding = ''UTF8''; CREATE EXTENSION athena_fdw; CREATE SERVER athena FOREIGN DATA WRAPPER athena_fdw OPTIONS (region ''us-east-1'', endpoint ''' :endpoint ''', max_retries ''0''); CREATE USER MAPPING FOR CURRENT_USER SERVER athena OPTIONS (aws_access_key_id ''AKIDMOCKSTATIC'', aws_secret_access_key ''mock/static/SECRET+key0123456789abcdefEXAMPLE''); IMPORT FOREIGN SCHEMA athena FROM SERVER athena INTO public;'

-- LATIN1: accented letters converted; check mark, Japanese and emoji escaped
\c athena_latin1
:setup
SELECT session_id FROM athena_sessions WHERE session_id = 'hostile-error-text';
-- a value the encoding cannot hold is an error naming the column
\set VERBOSITY default
SELECT state_change_reason FROM athena_sessions WHERE session_id = 's-unicode';
\set VERBOSITY terse

-- EUC_JP: Japanese and what JIS X 0212 has converted; the rest escaped
\c athena_euc_jp
:setup
SELECT session_id FROM athena_sessions WHERE session_id = 'hostile-error-text';

\c contrib_regression
DROP DATABASE athena_latin1;
DROP DATABASE athena_euc_jp;

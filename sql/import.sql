--
-- IMPORT FOREIGN SCHEMA athena creates athena_sessions and athena_calculations.
--
\getenv mock_port MOCK_PORT
\set endpoint http://127.0.0.1: :mock_port
CREATE SERVER athena FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER athena
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');

IMPORT FOREIGN SCHEMA athena FROM SERVER athena INTO public;
\d athena_sessions
\d athena_calculations

CREATE SCHEMA limited;
IMPORT FOREIGN SCHEMA athena LIMIT TO (athena_sessions) FROM SERVER athena INTO limited;
CREATE SCHEMA excepted;
IMPORT FOREIGN SCHEMA athena EXCEPT (athena_sessions) FROM SERVER athena INTO excepted;
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'f' ORDER BY 1, 2;
DROP SCHEMA limited CASCADE;
DROP SCHEMA excepted CASCADE;
-- the calculations table alone, and everything but it
CREATE SCHEMA calcs;
IMPORT FOREIGN SCHEMA athena LIMIT TO (athena_calculations) FROM SERVER athena INTO calcs;
CREATE SCHEMA no_calcs;
IMPORT FOREIGN SCHEMA athena EXCEPT (athena_calculations) FROM SERVER athena INTO no_calcs;
SELECT n.nspname, c.relname, ft.ftoptions FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
 WHERE n.nspname IN ('calcs', 'no_calcs') ORDER BY 1, 2;
DROP SCHEMA calcs CASCADE;
DROP SCHEMA no_calcs CASCADE;

-- Athena has one remote schema
IMPORT FOREIGN SCHEMA public FROM SERVER athena INTO public;
-- importing twice collides like any CREATE
IMPORT FOREIGN SCHEMA athena FROM SERVER athena INTO public;

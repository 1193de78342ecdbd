--
-- Versions: ALTER EXTENSION ... UPDATE from every released version leaves
-- the objects of a fresh CREATE EXTENSION, and the library works under
-- every installed SQL version.  Runs in a database of its own.
--
\getenv mock_port MOCK_PORT
\set endpoint http://127.0.0.1: :mock_port
CREATE DATABASE athena_versions;
\c athena_versions

SELECT version, installed FROM pg_available_extension_versions
 WHERE name = 'athena_fdw' ORDER BY version;
SELECT default_version FROM pg_available_extensions WHERE name = 'athena_fdw';

-- the extension's members, and what defines each; not the row types of its
-- relations (and their arrays), which 17 records as members too and which
-- the relation's own definition covers
CREATE FUNCTION athena_members()
RETURNS TABLE (member text, definition text) LANGUAGE sql AS $$
  SELECT pg_describe_object(d.classid, d.objid, d.objsubid),
         CASE d.classid
           WHEN 'pg_proc'::regclass THEN
             (SELECT pg_get_functiondef(p.oid) || coalesce(p.proacl::text, '')
                FROM pg_proc p WHERE p.oid = d.objid)
           WHEN 'pg_class'::regclass THEN
             (SELECT coalesce(pg_get_viewdef(c.oid), c.relkind::text) ||
                     coalesce(c.relacl::text, '')
                FROM pg_class c WHERE c.oid = d.objid)
           WHEN 'pg_foreign_data_wrapper'::regclass THEN
             (SELECT concat_ws(' ', w.fdwhandler::regproc, w.fdwvalidator::regproc,
                               w.fdwacl, w.fdwoptions)
                FROM pg_foreign_data_wrapper w WHERE w.oid = d.objid)
         END
    FROM pg_depend d
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
     AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'athena_fdw')
     AND NOT (d.classid = 'pg_type'::regclass AND EXISTS
               (SELECT FROM pg_type t
                  LEFT JOIN pg_type e ON e.oid = t.typelem
                  JOIN pg_class c ON c.oid IN (t.typrelid, e.typrelid)
                 WHERE t.oid = d.objid AND c.relkind <> 'c'))
$$;

-- the 1.0 objects run on today's library: a lookup, counted all the same
CREATE EXTENSION athena_fdw VERSION '1.0';
CREATE SERVER athena FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER athena
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE FOREIGN TABLE sessions (session_id text, state text) SERVER athena;
SELECT session_id, state FROM sessions WHERE session_id = 's-idle';
SELECT to_regprocedure('athena_fdw_stats()') IS NULL AS no_counters_in_1_0;
ALTER EXTENSION athena_fdw UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'athena_fdw';
SELECT session_id, state FROM sessions WHERE session_id = 's-busy';
SELECT server, operation, calls FROM athena_fdw_stats;
DROP EXTENSION athena_fdw CASCADE;

-- from every other available version to the default, then a fresh install
CREATE TABLE members (path text, member text, definition text);
DO $$
DECLARE
  v text;
BEGIN
  FOR v IN SELECT version FROM pg_available_extension_versions
            WHERE name = 'athena_fdw'
              AND version <> (SELECT default_version FROM pg_available_extensions
                               WHERE name = 'athena_fdw')
  LOOP
    EXECUTE format('CREATE EXTENSION athena_fdw VERSION %L', v);
    ALTER EXTENSION athena_fdw UPDATE;
    INSERT INTO members SELECT 'from ' || v, * FROM athena_members();
    DROP EXTENSION athena_fdw;
  END LOOP;
END $$;
CREATE EXTENSION athena_fdw;
INSERT INTO members SELECT 'fresh', * FROM athena_members();

SELECT member FROM members WHERE path = 'fresh' ORDER BY member;
SELECT DISTINCT path FROM members ORDER BY path;
-- what any upgrade path has that a fresh install has not, or lacks: nothing
SELECT u.path, m.member, m.definition
  FROM (SELECT DISTINCT path FROM members WHERE path <> 'fresh') u,
       LATERAL ((SELECT member, definition FROM members WHERE path = u.path
                 EXCEPT SELECT member, definition FROM members WHERE path = 'fresh')
                UNION ALL
                (SELECT member, definition FROM members WHERE path = 'fresh'
                 EXCEPT SELECT member, definition FROM members WHERE path = u.path)) m;

\c contrib_regression
DROP DATABASE athena_versions;

--
-- Issue 17: answers shaped as Athena's model says (the mock checks every
-- answer it sends against botocore's model), errors classified from their
-- structured fields, and filter values the model rules out never sent.
--
SET timezone = 'UTC';
\getenv mock_port MOCK_PORT
\set endpoint http://127.0.0.1: :mock_port

-- === detail columns against GetSession's shape (EngineVersion a string) ===
\! $MOCKCTL reset
SELECT session_id, dpu_execution_in_millis FROM athena_sessions WHERE state = 'BUSY';
\! $MOCKCTL count GetSession
SELECT * FROM athena_sessions WHERE session_id = 'la-idle-1';
SELECT explain_lines($$EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF)
 SELECT engine_version, spark_properties FROM athena_sessions
 WHERE session_id = 'la-idle-1'$$);
DELETE FROM athena_sessions WHERE session_id = 'la-idle-1' RETURNING *;
\! $MOCKCTL terminations
\! $MOCKCTL reset

-- === errors from their structured fields ===
CREATE SERVER strict_errors FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER strict_errors
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE FOREIGN TABLE strict_sessions (session_id text, state text, workgroup text)
  SERVER strict_errors;
-- an unknown workgroup is an ERROR whatever its name, "Spark" in it or not
-- (it used to be taken for "not a Spark workgroup", and listed no row)
\! $MOCKCTL reset
SELECT show_error($$SELECT * FROM strict_sessions WHERE workgroup = 'Spark-ETL'$$);
SELECT show_error($$SELECT * FROM strict_sessions WHERE workgroup = 'nope'$$);
\! $MOCKCTL count ListSessions
-- a SQL workgroup ("Workgroup EngineVersion is not Spark.") lists no row
SELECT * FROM strict_sessions WHERE workgroup = 'primary';
\! $MOCKCTL count ListSessions
-- ResourceName and Reason in the DETAIL, as AWS sent them
\! $MOCKCTL fault gone --op ListSessions
SELECT show_error($$SELECT * FROM strict_sessions WHERE workgroup = 'spark-etl'$$);
\! $MOCKCTL fault toomany
SELECT show_error($$SELECT * FROM strict_sessions WHERE session_id = 's-idle'$$);
\! $MOCKCTL reset

-- === values no session can have: no row, and no request ===
SELECT * FROM athena_sessions WHERE state = 'idle';
SELECT * FROM athena_sessions WHERE workgroup = 'a b';
SELECT * FROM athena_sessions WHERE state IN ('idle', 'busy');
SELECT * FROM athena_sessions WHERE session_id = 's-idle' AND state = 'idle';
SELECT * FROM athena_sessions WHERE workgroup = repeat('w', 129);
DELETE FROM athena_sessions WHERE state = 'idle';
DELETE FROM athena_sessions WHERE workgroup = 'a b' RETURNING session_id;
\! $MOCKCTL count
SELECT explain_lines($$EXPLAIN (COSTS OFF) SELECT * FROM athena_sessions WHERE state = 'idle'$$);
SELECT explain_lines($$EXPLAIN (COSTS OFF) SELECT session_id FROM athena_sessions
 WHERE workgroup IN ('a b', 'c/d') AND state = 'IDLE'$$);
SELECT explain_lines($$EXPLAIN (COSTS OFF) DELETE FROM athena_sessions WHERE state = 'idle'$$);
-- nor in a join, even where a batched join would otherwise look the
-- outer rows' ids up (the other joins are disabled to make it the choice)
SET enable_nestloop = off;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
\! $MOCKCTL reset
SELECT s.session_id FROM (VALUES ('s-idle'), ('s-busy')) r(id)
  JOIN athena_sessions s ON s.session_id = r.id WHERE s.state = 'idle';
\! $MOCKCTL count
SELECT s.session_id FROM (VALUES ('s-idle'), ('s-busy')) r(id)
  JOIN athena_sessions s ON s.session_id = r.id WHERE s.state = 'IDLE';
\! $MOCKCTL count
RESET enable_nestloop;
RESET enable_hashjoin;
RESET enable_mergejoin;
-- the possible values of a list are sent, the others dropped
\! $MOCKCTL reset
SELECT session_id FROM athena_sessions
 WHERE workgroup = 'spark-etl' AND state IN ('idle', 'IDLE') ORDER BY 1;
\! $MOCKCTL requests
-- a value known only at execution time (a generic plan's parameter)
\! $MOCKCTL reset
SET plan_cache_mode = force_generic_plan;
PREPARE by_state(text) AS SELECT session_id FROM athena_sessions WHERE state = $1;
EXECUTE by_state('idle');
\! $MOCKCTL count
EXECUTE by_state('CREATING');
\! $MOCKCTL requests
DEALLOCATE by_state;
RESET plan_cache_mode;
\! $MOCKCTL reset
DROP SERVER strict_errors CASCADE;

--
-- List scans: without a session_id condition, ListSessions over the
-- workgroups of a workgroup condition, the table's or server's option, or
-- every Spark workgroup; state conditions as StateFilter; pages read only
-- as rows are needed; GetSession only for the detail columns.
--
SET timezone = 'UTC';
\! $MOCKCTL reset

-- one workgroup: its active sessions, newest first, with the list items' columns
SELECT session_id, state, workgroup, description, engine_version, notebook_version,
       start_date_time
  FROM athena_sessions WHERE workgroup = 'spark-analytics';
\! $MOCKCTL requests

-- state = '...' is sent as StateFilter: the ended sessions are asked for by state
\! $MOCKCTL reset
SELECT session_id, state, state_change_reason, end_date_time
  FROM athena_sessions WHERE workgroup = 'spark-analytics' AND state = 'TERMINATED';
\! $MOCKCTL requests

-- IN lists: one listing per workgroup and state
\! $MOCKCTL reset
SELECT session_id, state, workgroup FROM athena_sessions
 WHERE workgroup IN ('spark-analytics', 'spark-etl') AND state IN ('IDLE', 'FAILED')
 ORDER BY session_id;
\! $MOCKCTL requests

-- pages of 100 follow NextToken: 250 sessions are 3 pages
\! $MOCKCTL reset
SELECT count(*), min(session_id), max(session_id)
  FROM athena_sessions WHERE workgroup = 'gen-250';
\! $MOCKCTL requests

-- pages are read only as rows are needed: LIMIT 5 reads one page
\! $MOCKCTL reset
SELECT session_id FROM athena_sessions WHERE workgroup = 'gen-250' LIMIT 5;
\! $MOCKCTL count ListSessions

-- detail columns: one GetSession per row, concurrently
\! $MOCKCTL reset
SELECT session_id, dpu_execution_in_millis, coordinator_dpu_size, max_concurrent_dpus,
       default_executor_dpu_size, spark_properties, additional_configs,
       execution_role, working_directory, idle_timeout_seconds
  FROM athena_sessions WHERE workgroup = 'spark-analytics' ORDER BY session_id;
\! $MOCKCTL count GetSession
-- ... none when no detail column is referenced
\! $MOCKCTL reset
SELECT count(*) FROM athena_sessions WHERE workgroup = 'spark-analytics';
SELECT session_id, state, description FROM athena_sessions WHERE workgroup = 'spark-etl'
 ORDER BY 1;
\! $MOCKCTL count GetSession
-- ... a detail column in WHERE alone needs them too
\! $MOCKCTL reset
SELECT session_id FROM athena_sessions
 WHERE workgroup = 'spark-analytics' AND dpu_execution_in_millis > 200000;
\! $MOCKCTL count GetSession
-- maps are jsonb
SELECT spark_properties->>'spark.executor.memory' AS executor_memory,
       jsonb_typeof(additional_configs) AS configs
  FROM athena_sessions WHERE session_id = 'la-idle-1';

-- id lookups: GetSession instead of GetSessionStatus when a detail or list
-- column is read (it answers the status too), GetSessionStatus otherwise
\! $MOCKCTL reset
SELECT session_id, state, workgroup, description, dpu_execution_in_millis
  FROM athena_sessions WHERE session_id IN ('la-idle-1', 'la-busy', 's-idle')
 ORDER BY 1;
\! $MOCKCTL count GetSession
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL reset
SELECT session_id, state FROM athena_sessions WHERE session_id = 'la-busy';
\! $MOCKCTL count GetSession
\! $MOCKCTL count GetSessionStatus

-- every Spark workgroup: ListWorkGroups page by page; the SQL workgroups
-- (primary, sql-reports) and the disabled one are never listed
\! $MOCKCTL reset
\! $MOCKCTL pagesize ListWorkGroups 2
SELECT session_id, workgroup, state FROM athena_sessions ORDER BY session_id;
\! $MOCKCTL requests
\! $MOCKCTL pagesize ListWorkGroups 0
-- a workgroup that refuses ListSessions for want of Spark lists nothing
\! $MOCKCTL reset
SELECT count(*) FROM athena_sessions WHERE workgroup = 'primary';
\! $MOCKCTL count ListSessions
-- an unknown workgroup is an error
\set VERBOSITY terse
SELECT count(*) FROM athena_sessions WHERE workgroup = 'no-such-workgroup';
\set VERBOSITY default

-- workgroups and states from parameters and subqueries are sent too
\! $MOCKCTL reset
PREPARE by_workgroup(text, text) AS
  SELECT session_id FROM athena_sessions WHERE workgroup = $1 AND state = $2 ORDER BY 1;
EXECUTE by_workgroup('spark-analytics', 'IDLE');
SELECT session_id FROM athena_sessions
 WHERE workgroup = ANY(ARRAY(SELECT 'spark-' || x FROM unnest('{etl,nowhere}'::text[]) x WHERE x <> 'nowhere'))
 ORDER BY 1;
DEALLOCATE by_workgroup;
\! $MOCKCTL requests

-- the table's workgroup option, overridden by a condition
CREATE FOREIGN TABLE etl_sessions (session_id text, state text, workgroup text)
  SERVER athena OPTIONS (workgroup 'spark-etl');
SELECT * FROM etl_sessions ORDER BY 1;
SELECT * FROM etl_sessions WHERE workgroup = 'spark-analytics' ORDER BY 1;
SELECT explain_lines($$EXPLAIN (COSTS OFF) SELECT * FROM etl_sessions$$);
-- the server's option, when the table has none
ALTER SERVER athena OPTIONS (ADD workgroup 'spark-analytics');
SELECT session_id FROM athena_sessions ORDER BY 1;
SELECT explain_lines($$EXPLAIN (COSTS OFF) SELECT session_id FROM athena_sessions$$);
ALTER SERVER athena OPTIONS (DROP workgroup);
DROP FOREIGN TABLE etl_sessions;

-- not found in both shapes is no row, for GetSessionStatus and GetSession;
-- ids Athena cannot hold (empty, over 256 characters) are never sent
\! $MOCKCTL reset
SELECT session_id, state FROM athena_sessions
 WHERE session_id IN ('vanished-1', 'nope-1', '', repeat('x', 257), 's-idle');
\! $MOCKCTL requests
\! $MOCKCTL reset
SELECT session_id, workgroup FROM athena_sessions
 WHERE session_id IN ('vanished-2', 'nope-2', repeat('y', 300), 'la-idle-2');
\! $MOCKCTL requests
-- 256 characters are sent
SELECT count(*) FROM athena_sessions WHERE session_id = repeat('z', 256);
\! $MOCKCTL count GetSessionStatus
-- any other InvalidRequestException is an error
\set VERBOSITY terse
SELECT * FROM athena_sessions WHERE session_id = 'locked-1';
\set VERBOSITY default

-- a join on session_id looks ids up, never lists
CREATE TEMP TABLE recent (session_id text);
INSERT INTO recent VALUES ('la-idle-1'), ('le-idle'), ('nope-3');
\! $MOCKCTL reset
SELECT r.session_id, s.state FROM recent r JOIN athena_sessions s USING (session_id)
 ORDER BY 1;
\! $MOCKCTL count ListSessions
\! $MOCKCTL count GetSessionStatus
-- a join that reads a detail column calls GetSession instead, once per id
\! $MOCKCTL reset
SELECT r.session_id, s.workgroup, s.dpu_execution_in_millis
  FROM recent r JOIN athena_sessions s USING (session_id) ORDER BY 1;
\! $MOCKCTL count GetSession
\! $MOCKCTL count GetSessionStatus
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT explain_lines($$EXPLAIN (COSTS OFF)
SELECT r.session_id, s.state FROM recent r JOIN athena_sessions s USING (session_id)$$);
RESET enable_hashjoin;
RESET enable_mergejoin;
-- ids and a workgroup: the ids are looked up, the workgroup is a filter
SELECT explain_lines($$EXPLAIN (COSTS OFF)
SELECT session_id FROM athena_sessions
 WHERE session_id = 'la-idle-1' AND workgroup = 'spark-etl'$$);
SELECT session_id FROM athena_sessions
 WHERE session_id = 'la-idle-1' AND workgroup = 'spark-etl';

-- EXPLAIN says what is sent, in every format
SELECT explain_lines($$EXPLAIN (COSTS OFF)
SELECT session_id, dpu_execution_in_millis FROM athena_sessions
 WHERE workgroup IN ('spark-analytics', 'spark-etl') AND state = 'IDLE'$$);
SELECT explain_lines($$EXPLAIN (COSTS OFF, FORMAT JSON)
SELECT session_id FROM athena_sessions WHERE state IN ('IDLE', 'BUSY')$$);
SELECT explain_lines($$EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF)
SELECT session_id, execution_role FROM athena_sessions WHERE workgroup = 'gen-250'$$);
SELECT explain_lines($$EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF, FORMAT JSON)
SELECT session_id, state FROM athena_sessions WHERE state = 'IDLE'$$);

-- a column the FDW does not know is an error naming it
CREATE FOREIGN TABLE typo_sessions (session_id text, dpu_usage bigint) SERVER athena;
SELECT * FROM typo_sessions WHERE session_id = 's-idle';
DROP FOREIGN TABLE typo_sessions;

--
-- athena_calculations: one row per calculation.  Lookups by id call only
-- what the columns read need (GetCalculationExecutionStatus, else
-- GetCalculationExecution, and GetCalculationExecutionCode for
-- code_block); session_id conditions become ListCalculationExecutions per
-- session with state as StateFilter; without either, the calculations of
-- every session the session listing finds.  DELETE stops calculations.
-- Counts are the mock's.
--
SET timezone = 'UTC';

-- ---------- lookups by id ----------
\! $MOCKCTL reset
SELECT * FROM athena_calculations
 WHERE calculation_execution_id IN ('c-idle-done', 'c-idle-failed', 'no-such-calculation')
 ORDER BY 1;
\! $MOCKCTL count GetCalculationExecution
\! $MOCKCTL count GetCalculationExecutionCode
\! $MOCKCTL count GetCalculationExecutionStatus

-- the status columns and statistics: GetCalculationExecutionStatus only
\! $MOCKCTL reset
SELECT calculation_execution_id, state, state_change_reason, submission_date_time,
       completion_date_time, dpu_execution_in_millis, progress
  FROM athena_calculations
 WHERE calculation_execution_id = ANY('{c-busy-running,c-idle-failed,c-etl-created}')
 ORDER BY 1;
\! $MOCKCTL requests
-- session_id, description, results: GetCalculationExecution, which answers the status too
\! $MOCKCTL reset
SELECT calculation_execution_id, session_id, description, state, result_type,
       result_s3_uri, working_directory
  FROM athena_calculations WHERE calculation_execution_id = 'c-busy-done';
\! $MOCKCTL requests
-- the code alone: GetCalculationExecutionCode only
\! $MOCKCTL reset
SELECT calculation_execution_id, code_block FROM athena_calculations
 WHERE calculation_execution_id IN ('c-idle-done', 'c-busy-queued', 'nope') ORDER BY 1;
\! $MOCKCTL requests
-- count(*) still asks: an unknown id is no row
\! $MOCKCTL reset
SELECT count(*) FROM athena_calculations
 WHERE calculation_execution_id IN ('c-idle-done', 'nope', '', repeat('x', 37));
\! $MOCKCTL requests
-- a parameter and a join from a local table run as lookups by id too
\! $MOCKCTL reset
PREPARE calc(text) AS
  SELECT calculation_execution_id, state FROM athena_calculations
   WHERE calculation_execution_id = $1;
EXECUTE calc('c-busy-queued');
DEALLOCATE calc;
CREATE TEMP TABLE watched (id text);
INSERT INTO watched VALUES ('c-idle-done'), ('c-busy-running'), ('gone-calc');
SELECT w.id, c.state FROM watched w
  JOIN athena_calculations c ON c.calculation_execution_id = w.id ORDER BY 1;
\! $MOCKCTL count GetCalculationExecutionStatus
\! $MOCKCTL count ListCalculationExecutions
SELECT explain_lines($q$EXPLAIN (COSTS OFF)
SELECT * FROM athena_calculations WHERE calculation_execution_id IN ('a', 'b')$q$);
SELECT explain_lines($q$EXPLAIN (COSTS OFF)
SELECT calculation_execution_id, state FROM athena_calculations
 WHERE calculation_execution_id = 'a'$q$);
SELECT explain_lines($q$EXPLAIN (COSTS OFF)
SELECT calculation_execution_id, code_block FROM athena_calculations
 WHERE calculation_execution_id = 'a'$q$);

-- ---------- listings by session ----------
-- session_id =, IN, = ANY: one listing per session; the CalculationSummary
-- columns (and session_id) cost nothing more
\! $MOCKCTL reset
SELECT calculation_execution_id, session_id, description, state, submission_date_time
  FROM athena_calculations WHERE session_id = 'la-idle-1' ORDER BY 1;
\! $MOCKCTL requests
\! $MOCKCTL reset
SELECT calculation_execution_id, session_id, state
  FROM athena_calculations WHERE session_id IN ('la-busy', 'le-idle', 'no-such-session')
 ORDER BY 1;
\! $MOCKCTL requests
-- state is sent as StateFilter (IN: one listing per state); the statistics
-- add one GetCalculationExecutionStatus per row
\! $MOCKCTL reset
SELECT calculation_execution_id, state, dpu_execution_in_millis, progress
  FROM athena_calculations
 WHERE session_id = ANY('{la-busy,la-idle-1}') AND state IN ('RUNNING', 'QUEUED')
 ORDER BY 1;
\! $MOCKCTL requests
SELECT explain_lines($q$EXPLAIN (COSTS OFF)
SELECT calculation_execution_id, state, dpu_execution_in_millis
  FROM athena_calculations
 WHERE session_id = ANY('{la-busy,la-idle-1}') AND state IN ('RUNNING', 'QUEUED')$q$);
-- a state no calculation has, or a session id Athena cannot hold: no call
\! $MOCKCTL reset
SELECT count(*) FROM athena_calculations WHERE session_id = 'la-busy' AND state = 'IDLE';
SELECT count(*) FROM athena_calculations WHERE session_id = '';
\! $MOCKCTL count
SELECT explain_lines($q$EXPLAIN (COSTS OFF)
SELECT * FROM athena_calculations WHERE state = 'running'$q$);
-- a session id from a parameter
\! $MOCKCTL reset
PREPARE by_session(text, text) AS
  SELECT calculation_execution_id FROM athena_calculations
   WHERE session_id = $1 AND state = $2 ORDER BY 1;
EXECUTE by_session('la-idle-1', 'FAILED');
EXECUTE by_session('la-idle-1', 'no-such-state');
DEALLOCATE by_session;
\! $MOCKCTL requests
-- pages are asked for only as rows are needed: LIMIT 3 of a session with
-- 20 calculations, two to a page, reads two pages
\! $MOCKCTL reset
\! $MOCKCTL pagesize ListCalculationExecutions 2
SELECT calculation_execution_id FROM athena_calculations
 WHERE session_id = 'gen-3-00001' LIMIT 3;
\! $MOCKCTL count ListCalculationExecutions
SELECT count(*) FROM athena_calculations WHERE session_id = 'gen-3-00001';
\! $MOCKCTL pagesize ListCalculationExecutions 0

-- a join on session_id lists each outer session's calculations (a
-- parameterized nested loop, one listing per outer row), from a local table
-- or from athena_sessions, which is listed once
\! $MOCKCTL reset
CREATE TEMP TABLE jobs (session_id text);
INSERT INTO jobs VALUES ('la-busy'), ('la-terminated'), ('no-such-session');
ANALYZE jobs;
SELECT explain_lines($q$EXPLAIN (COSTS OFF)
SELECT j.session_id, c.calculation_execution_id FROM jobs j
  JOIN athena_calculations c ON c.session_id = j.session_id AND c.state = 'RUNNING'$q$);
SELECT j.session_id, c.calculation_execution_id FROM jobs j
  JOIN athena_calculations c ON c.session_id = j.session_id AND c.state = 'RUNNING';
\! $MOCKCTL requests
\! $MOCKCTL reset
SELECT explain_lines($q$EXPLAIN (COSTS OFF)
SELECT s.session_id, c.calculation_execution_id, c.state
  FROM athena_sessions s JOIN athena_calculations c ON c.session_id = s.session_id
 WHERE s.workgroup = 'spark-analytics'$q$);
SELECT s.session_id, c.calculation_execution_id, c.state
  FROM athena_sessions s JOIN athena_calculations c ON c.session_id = s.session_id
 WHERE s.workgroup = 'spark-analytics' ORDER BY 2;
\! $MOCKCTL requests

-- ---------- every session ----------
-- no session_id condition: the sessions ListSessions lists in every Spark
-- workgroup, then each one's calculations
\! $MOCKCTL reset
SELECT calculation_execution_id, session_id, state FROM athena_calculations ORDER BY 1;
\! $MOCKCTL requests
SELECT explain_lines($q$EXPLAIN (COSTS OFF) SELECT calculation_execution_id FROM athena_calculations$q$);
-- ... of the table's workgroup, with a state filter
CREATE FOREIGN TABLE etl_calculations (calculation_execution_id text, session_id text, state text)
  SERVER athena OPTIONS (table_name 'athena_calculations', workgroup 'spark-etl');
\! $MOCKCTL reset
SELECT * FROM etl_calculations WHERE state = 'CREATED';
\! $MOCKCTL requests
SELECT explain_lines($q$EXPLAIN (COSTS OFF) SELECT * FROM etl_calculations WHERE state = 'CREATED'$q$);
DROP FOREIGN TABLE etl_calculations;

-- which calculation has been running for an hour (at the mock's time)
SELECT calculation_execution_id, session_id, description,
       timestamptz '2023-11-16 03:10:00+00' - submission_date_time AS running_for
  FROM athena_calculations
 WHERE state = 'RUNNING'
   AND submission_date_time < timestamptz '2023-11-16 03:10:00+00' - interval '1 hour';
-- DPU per session, that day
SELECT session_id, count(*) AS calculations,
       sum(dpu_execution_in_millis) / 3600000.0 AS dpu_hours
  FROM athena_calculations
 WHERE submission_date_time >= timestamptz '2023-11-16' AND
       submission_date_time < timestamptz '2023-11-17'
 GROUP BY session_id ORDER BY session_id;

-- ---------- the columns ----------
-- a column of another type gets the value through its input function; an
-- unknown column names the table's fields
CREATE FOREIGN TABLE calc_typed (calculation_execution_id varchar(20), state varchar(3))
  SERVER athena OPTIONS (table_name 'athena_calculations');
SELECT * FROM calc_typed WHERE calculation_execution_id = 'c-busy-done';
DROP FOREIGN TABLE calc_typed;
CREATE FOREIGN TABLE calc_bad (calculation_execution_id text, workgroup text)
  SERVER athena OPTIONS (table_name 'athena_calculations');
SELECT * FROM calc_bad WHERE calculation_execution_id = 'c-busy-done';
DROP FOREIGN TABLE calc_bad;

-- ---------- DELETE stops calculations ----------
\! $MOCKCTL reset
SELECT explain_lines($q$EXPLAIN (COSTS OFF)
DELETE FROM athena_calculations WHERE session_id = 'la-busy'$q$);
-- only those in a state that can be stopped; RETURNING shows the state
-- StopCalculationExecution answered
WITH stopped AS (
  DELETE FROM athena_calculations WHERE session_id = 'la-busy'
  RETURNING calculation_execution_id, state, description
)
SELECT * FROM stopped ORDER BY 1;
\! $MOCKCTL stops
\! $MOCKCTL count StopCalculationExecution
-- the mock reports them canceled from now on; stopping again finds none
SELECT calculation_execution_id, state, state_change_reason,
       completion_date_time IS NOT NULL AS completed
  FROM athena_calculations WHERE session_id = 'la-busy' ORDER BY 1;
DELETE FROM athena_calculations WHERE session_id = 'la-busy';
\! $MOCKCTL count StopCalculationExecution
-- by id, with a condition on another column checked first
\! $MOCKCTL reset
DELETE FROM athena_calculations
 WHERE calculation_execution_id IN ('c-etl-created', 'c-idle-done', 'nope')
   AND description IS NOT NULL;
\! $MOCKCTL stops
-- a DELETE that joins a local table stops row by row, each once
\! $MOCKCTL reset
CREATE TEMP TABLE to_stop (id text);
INSERT INTO to_stop VALUES ('c-busy-running'), ('c-busy-running'), ('c-busy-done');
DELETE FROM athena_calculations c USING to_stop t
 WHERE c.calculation_execution_id = t.id RETURNING c.calculation_execution_id, c.state;
\! $MOCKCTL stops
-- a failed stop says how many the statement had stopped
\! $MOCKCTL reset
\! $MOCKCTL fault denied 1 --op StopCalculationExecution --skip 1
\set VERBOSITY terse
DELETE FROM athena_calculations WHERE session_id = 'la-busy' AND state IN ('RUNNING', 'QUEUED');
\set VERBOSITY default
\! $MOCKCTL fault none
-- ---------- INSERT starts sessions and calculations ----------
-- StartSession with the columns it takes; RETURNING shows the row with the
-- id and state StartSession answered.  Each request carries its own
-- ClientRequestToken (a random UUID, masked here).
\! $MOCKCTL reset
INSERT INTO athena_sessions (workgroup, description, max_concurrent_dpus, spark_properties)
  VALUES ('spark-etl', 'nightly job', 20, '{"spark.executor.memory": "4g"}')
  RETURNING session_id, state, workgroup, description, max_concurrent_dpus,
            spark_properties, idle_since_date_time;
\! $MOCKCTL requests StartSession | sed -E 's/"ClientRequestToken":"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"/"ClientRequestToken":"<uuid>"/'
SELECT session_id, state, workgroup, description, max_concurrent_dpus, spark_properties
  FROM athena_sessions WHERE session_id = 'started-0001';
-- the table's workgroup option stands for a workgroup not given
CREATE FOREIGN TABLE etl_sessions (session_id text, state text, workgroup text,
                                   max_concurrent_dpus integer)
  SERVER athena OPTIONS (workgroup 'spark-etl');
INSERT INTO etl_sessions (max_concurrent_dpus) VALUES (2) RETURNING *;
DROP FOREIGN TABLE etl_sessions;
-- StartCalculationExecution; the calculation then runs (the mock keeps it
-- RUNNING for an hour)
\! $MOCKCTL calc-timing 0 0 3600
INSERT INTO athena_calculations (session_id, code_block, description)
  VALUES ('started-0001', 'spark.range(100).count()', 'count to 100')
  RETURNING calculation_execution_id, session_id, state, description, code_block;
\! $MOCKCTL requests StartCalculationExecution | sed -E 's/"ClientRequestToken":"[0-9a-f-]{36}"/"ClientRequestToken":"<uuid>"/'
SELECT calculation_execution_id, state, description, code_block
  FROM athena_calculations WHERE session_id = 'started-0001';
-- a request retried after its answer was lost carries the same token:
-- Athena starts one calculation, and answers the retry with it
\! $MOCKCTL fault lost 1 --op StartCalculationExecution
INSERT INTO athena_calculations (session_id, code_block)
  VALUES ('started-0001', 'print(2)') RETURNING calculation_execution_id;
\! $MOCKCTL starts
\! $MOCKCTL tokens
SELECT count(*) FROM athena_calculations WHERE session_id = 'started-0001';
-- rows without RETURNING start max_concurrency at a time
CREATE TEMP TABLE nightly (code text);
INSERT INTO nightly VALUES ('print(3)'), ('print(4)'), ('print(5)');
SELECT explain_lines($q$EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF)
INSERT INTO athena_calculations (session_id, code_block)
  SELECT 'started-0001', code FROM nightly$q$);
SELECT count(*) FROM athena_calculations WHERE session_id = 'started-0001';
\! $MOCKCTL tokens
\! $MOCKCTL calc-timing 0 0 0
-- not transactional: what was started stays started after a ROLLBACK
BEGIN;
INSERT INTO athena_calculations (session_id, code_block) VALUES ('started-0001', 'print(6)');
ROLLBACK;
SELECT count(*) FROM athena_calculations WHERE session_id = 'started-0001';
-- Athena's refusal is an ERROR
\set VERBOSITY terse
INSERT INTO athena_calculations (session_id, code_block) VALUES ('la-terminated', 'print(1)');
\set VERBOSITY default
-- errors before any call: a column the Start does not take, a required one
-- missing or NULL, a value off its shape, ON CONFLICT
\! $MOCKCTL reset
INSERT INTO athena_sessions (workgroup, max_concurrent_dpus, state) VALUES ('spark-etl', 4, 'IDLE');
INSERT INTO athena_calculations (calculation_execution_id, session_id, code_block) VALUES ('c', 's', 'x');
INSERT INTO athena_sessions (workgroup) VALUES ('spark-etl');
INSERT INTO athena_sessions (max_concurrent_dpus) VALUES (4);
INSERT INTO athena_calculations (session_id) VALUES ('la-busy');
INSERT INTO athena_sessions (workgroup, max_concurrent_dpus) VALUES (NULL, 4);
INSERT INTO athena_calculations (session_id, code_block) VALUES ('la-busy', NULL);
INSERT INTO athena_sessions (workgroup, max_concurrent_dpus, spark_properties)
  VALUES ('spark-etl', 4, '{"spark.executor.cores": 4}');
INSERT INTO athena_sessions (workgroup, max_concurrent_dpus, additional_configs)
  VALUES ('spark-etl', 4, '["not", "an", "object"]');
INSERT INTO athena_sessions (workgroup, max_concurrent_dpus) VALUES ('spark-etl', 0);
INSERT INTO athena_calculations (session_id, code_block) VALUES ('la-busy', 'x')
  ON CONFLICT DO NOTHING;
-- a batch is checked whole before any of it is sent
INSERT INTO athena_calculations (session_id, code_block)
  VALUES ('la-busy', 'print(1)'), ('la-busy', NULL);
\! $MOCKCTL count

-- refused: no WHERE clause, UPDATE, TRUNCATE
DELETE FROM athena_calculations;
UPDATE athena_calculations SET description = 'x' WHERE calculation_execution_id = 'c-busy-done';
TRUNCATE athena_calculations;
\! $MOCKCTL count

-- ---------- counters ----------
-- athena_fdw_stats names every new operation, with the mock's counts
\! $MOCKCTL reset
SELECT athena_fdw_stats_reset();
SELECT calculation_execution_id, code_block FROM athena_calculations
 WHERE calculation_execution_id IN ('c-idle-done', 'c-busy-queued', 'nope') ORDER BY 1;
SELECT count(*) FROM athena_calculations WHERE session_id = 'la-busy';
DELETE FROM athena_calculations WHERE calculation_execution_id = 'c-busy-queued';
INSERT INTO athena_calculations (session_id, code_block) VALUES ('la-busy', 'print(7)');
SELECT operation, calls, retries, errors_not_found FROM athena_fdw_stats
 WHERE server = 'athena' ORDER BY operation;
\! $MOCKCTL count

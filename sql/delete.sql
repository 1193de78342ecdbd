--
-- DELETE terminates sessions: TerminateSession for each row that passes
-- every condition, after all of them were checked.  Every other
-- modification is refused.  Counts are the mock's.
--
SET timezone = 'UTC';
\getenv mock_port MOCK_PORT
\set endpoint http://127.0.0.1: :mock_port

-- The row count of a statement (what psql's command tag says), or its
-- error with SQLSTATE and DETAIL, request ids and the port masked.
CREATE FUNCTION run(query text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  n bigint; state text; msg text; detail text;
BEGIN
  EXECUTE query;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n || ' row(s)';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL;
  msg := regexp_replace(msg, '127\.0\.0\.1:[0-9]+', '127.0.0.1:<port>');
  RETURN concat_ws(E'\n', state || ': ' || msg,
         'DETAIL: ' || regexp_replace(NULLIF(detail, ''), '[0-9a-f]{8}-[0-9a-f-]{27}', '<request-id>'));
END $$;

\! $MOCKCTL reset

-- the plan: conditions checked by the FDW, then TerminateSession
SELECT explain_lines($$EXPLAIN (COSTS OFF)
DELETE FROM athena_sessions
 WHERE session_id IN ('s-idle', 's-busy', 's-created', 'no-such-id')
   AND state IN ('IDLE', 'CREATED')$$);
SELECT explain_lines($$EXPLAIN (COSTS OFF)
DELETE FROM athena_sessions WHERE session_id = 's-idle'$$);

-- the dry run first, then the DELETE with the same conditions: rows are
-- fetched fresh, only those that pass are terminated, RETURNING shows the
-- state TerminateSession answered
SELECT session_id, state FROM athena_sessions
 WHERE session_id IN ('s-idle', 's-busy', 's-created', 'no-such-id')
   AND state IN ('IDLE', 'CREATED')
 ORDER BY session_id;
WITH terminated AS (
  DELETE FROM athena_sessions
   WHERE session_id IN ('s-idle', 's-busy', 's-created', 'no-such-id')
     AND state IN ('IDLE', 'CREATED')
  RETURNING session_id, state, state_change_reason, start_date_time
)
SELECT * FROM terminated ORDER BY session_id;
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL count GetSession
\! $MOCKCTL count TerminateSession
\! $MOCKCTL terminations
-- Athena reports them ended from now on
SELECT session_id, state, state_change_reason, end_date_time IS NOT NULL AS ended
  FROM athena_sessions WHERE session_id IN ('s-idle', 's-created', 's-busy')
 ORDER BY session_id;

-- the count is the sessions terminated
\! $MOCKCTL reset
SELECT run($$DELETE FROM athena_sessions WHERE session_id IN ('gen-1', 'gen-2', 'gen-3', 'nope')$$);
SELECT run($$DELETE FROM athena_sessions WHERE session_id = 'nope'$$);
SELECT run($$DELETE FROM athena_sessions WHERE session_id IN ('gen-4', 'gen-5') AND state = 'BUSY'$$);
\! $MOCKCTL count TerminateSession
\! $MOCKCTL terminations

-- finished sessions: Athena accepts terminating them, and so do we
\! $MOCKCTL reset
WITH terminated AS (
  DELETE FROM athena_sessions WHERE session_id IN ('s-terminated', 's-failed')
  RETURNING session_id, state
)
SELECT * FROM terminated ORDER BY session_id;
\! $MOCKCTL terminations

-- RETURNING a detail column: the rows come from GetSession instead
\! $MOCKCTL reset
DELETE FROM athena_sessions WHERE session_id = 'la-busy'
RETURNING session_id, state, dpu_execution_in_millis;
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL count GetSession
-- one row at a time, RETURNING the columns it names or the whole row
DELETE FROM athena_sessions s USING (VALUES ('la-idle-1')) v(id)
 WHERE s.session_id = v.id
RETURNING s.session_id, s.state, s.description, v.id;
DELETE FROM athena_sessions s USING (VALUES ('le-idle')) v(id)
 WHERE s.session_id = v.id
RETURNING s.session_id, row_to_json(s)->>'state' AS whole_row_state,
          row_to_json(s)->>'workgroup' AS whole_row_workgroup;
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL count GetSession

-- a session gone between the fetch and the call (either not-found answer)
-- is not counted, no error
\! $MOCKCTL reset
\! $MOCKCTL fault gone 1 --op TerminateSession
SELECT run($$DELETE FROM athena_sessions WHERE session_id = 's-busy'$$);
\! $MOCKCTL fault vanished 1 --op TerminateSession
DELETE FROM athena_sessions WHERE session_id = 's-busy' RETURNING session_id;
\! $MOCKCTL count TerminateSession
\! $MOCKCTL terminations

-- the idle sessions of one workgroup: a listing (StateFilter IDLE), then
-- the conditions, then TerminateSession
\! $MOCKCTL reset
SELECT explain_lines($$EXPLAIN (COSTS OFF)
DELETE FROM athena_sessions
 WHERE workgroup = 'spark-analytics' AND state = 'IDLE'
   AND idle_since_date_time < now() - interval '30 minutes'$$);
WITH terminated AS (
  DELETE FROM athena_sessions
   WHERE workgroup = 'spark-analytics' AND state = 'IDLE'
     AND idle_since_date_time < now() - interval '30 minutes'
  RETURNING session_id, state
)
SELECT * FROM terminated ORDER BY session_id;
\! $MOCKCTL count ListSessions
\! $MOCKCTL count TerminateSession
\! $MOCKCTL terminations
SELECT run($$DELETE FROM athena_sessions WHERE workgroup = 'spark-analytics' AND state = 'IDLE'$$);

-- every condition is evaluated before anything is terminated: an error in
-- one row's condition terminates nothing
\! $MOCKCTL reset
SELECT run($$DELETE FROM athena_sessions
              WHERE session_id IN ('gen-a', 'gen-b', 'gen-c')
                AND 1 / (CASE WHEN session_id = 'gen-c' THEN 0 ELSE 1 END) = 1$$);
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL count TerminateSession

-- conditions on local tables, and the usual parameter forms
\! $MOCKCTL reset
CREATE TABLE delete_jobs (job_id int, session_id text, finished boolean);
INSERT INTO delete_jobs VALUES (1, 'gen-j1', true), (2, 'gen-j2', false), (3, 'gen-j3', true);
SELECT run($$DELETE FROM athena_sessions
              WHERE session_id = ANY(ARRAY(SELECT session_id FROM delete_jobs WHERE finished))
                AND state = 'IDLE'$$);
PREPARE terminate_one(text) AS DELETE FROM athena_sessions WHERE session_id = $1;
EXECUTE terminate_one('gen-j2');
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL terminations

-- a DELETE that joins a local table gets its rows one at a time from
-- PostgreSQL: one TerminateSession per row, after that row's conditions
\! $MOCKCTL reset
SELECT explain_lines($$EXPLAIN (COSTS OFF)
DELETE FROM athena_sessions s USING delete_jobs j
 WHERE s.session_id = j.session_id AND j.job_id = 1$$);
WITH terminated AS (
  DELETE FROM athena_sessions s USING delete_jobs j
   WHERE s.session_id = j.session_id AND NOT j.finished
  RETURNING j.job_id, s.session_id, s.state
)
SELECT * FROM terminated ORDER BY job_id;
SELECT run($$DELETE FROM athena_sessions s USING (VALUES ('gen-u1'), ('nope'), ('gen-u2')) v(id)
              WHERE s.session_id = v.id$$);
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL count GetSession
\! $MOCKCTL count TerminateSession
\! $MOCKCTL terminations

-- EXPLAIN ANALYZE says what was called
\! $MOCKCTL reset
SELECT explain_lines($$EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF)
DELETE FROM athena_sessions WHERE session_id IN ('gen-e1', 'gen-e2', 'nope')$$);

-- a failing TerminateSession stops the statement with the AWS error and
-- says how many sessions it had terminated.  One call at a time: the third
-- fails; the fourth was already sent and finishes; the fifth is not sent.
CREATE SERVER serial FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', max_concurrency '1', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER serial
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE FOREIGN TABLE serial_sessions (session_id text, state text) SERVER serial;
\! $MOCKCTL reset
\! $MOCKCTL fault denied 1 --op TerminateSession --skip 2
SELECT run($$DELETE FROM serial_sessions
              WHERE session_id IN ('gen-f1', 'gen-f2', 'gen-f3', 'gen-f4', 'gen-f5')$$);
\! $MOCKCTL count TerminateSession
\! $MOCKCTL terminations
-- the first call failing: none terminated
\! $MOCKCTL reset
\! $MOCKCTL fault denied 1 --op TerminateSession
SELECT run($$DELETE FROM serial_sessions WHERE session_id = 'gen-f1'$$);
-- one at a time, too
\! $MOCKCTL reset
\! $MOCKCTL fault denied 1 --op TerminateSession --skip 1
SELECT run($$DELETE FROM serial_sessions s USING (VALUES ('gen-g1'), ('gen-g2'), ('gen-g3')) v(id)
              WHERE s.session_id = v.id$$);
\! $MOCKCTL terminations
-- a bad answer
\! $MOCKCTL reset
\! $MOCKCTL fault garbage 1 --op TerminateSession
SELECT run($$DELETE FROM serial_sessions WHERE session_id = 'gen-h1'$$);

-- terminating cannot be undone: a rolled back DELETE terminated all the same
\! $MOCKCTL reset
BEGIN;
DELETE FROM athena_sessions WHERE session_id = 'gen-tx';
ROLLBACK;
SELECT session_id, state FROM athena_sessions WHERE session_id = 'gen-tx';

-- each session is terminated and counted once, however many join rows
-- hand it over: 1,200 local rows over 3 sessions are DELETE 3, 3 calls
CREATE TABLE dupjobs AS
  SELECT i AS job_id, 'gen-d-' || (i % 3) AS session_id
    FROM generate_series(1, 1200) i;
ANALYZE dupjobs;
\! $MOCKCTL reset
SELECT run($$DELETE FROM athena_sessions s USING dupjobs d
              WHERE s.session_id = d.session_id AND s.state = 'IDLE'$$);
\! $MOCKCTL count TerminateSession
\! $MOCKCTL terminations
\! $MOCKCTL reset
WITH terminated AS (
  DELETE FROM athena_sessions s USING dupjobs d
   WHERE s.session_id = d.session_id AND d.job_id <= 30
  RETURNING s.session_id, s.state
)
SELECT session_id, state, count(*) FROM terminated GROUP BY 1, 2 ORDER BY 1;
\! $MOCKCTL count TerminateSession
-- an id listed twice, directly
\! $MOCKCTL reset
SELECT run($$DELETE FROM athena_sessions WHERE session_id = ANY ('{gen-d-7,gen-d-7,gen-d-8}')$$);
\! $MOCKCTL count TerminateSession
DROP TABLE dupjobs;

-- a DELETE with no WHERE clause at all would end every session of every
-- Spark workgroup: refused, before any request; WHERE true says it is meant
\! $MOCKCTL reset
DELETE FROM athena_sessions;
DELETE FROM athena_sessions RETURNING session_id;
WITH gone AS (DELETE FROM athena_sessions RETURNING session_id)
SELECT count(*) FROM gone;
DELETE FROM athena_sessions s USING delete_jobs j;
\! $MOCKCTL count
CREATE FOREIGN TABLE gen3_sessions (session_id text, state text)
  SERVER athena OPTIONS (workgroup 'gen-3');
SELECT run($$DELETE FROM gen3_sessions WHERE true$$);
\! $MOCKCTL terminations
-- the same in a new backend, whose first statement is planned before the
-- library is loaded (it is not preloaded here)
\c
\! $MOCKCTL reset
DELETE FROM gen3_sessions;
\c
DELETE FROM gen3_sessions WHERE 1 = 1;
\! $MOCKCTL count TerminateSession
DROP FOREIGN TABLE gen3_sessions;

-- a DELETE that ends early says how many sessions it had terminated (a
-- WARNING before the ERROR) and which (a LOG line in the server log):
-- cancelled by statement_timeout while the third call waits
\! $MOCKCTL reset
\! $MOCKCTL fault slow 1 --op TerminateSession --skip 2 --ms 3000
SET client_min_messages = log;
SET statement_timeout = '1s';
DELETE FROM serial_sessions
 WHERE session_id IN ('gen-c1', 'gen-c2', 'gen-c3', 'gen-c4');
-- one row at a time, too
\! $MOCKCTL idle
\! $MOCKCTL reset
\! $MOCKCTL fault slow 1 --op TerminateSession --skip 1 --ms 3000
DELETE FROM serial_sessions s USING (VALUES ('gen-c5'), ('gen-c6'), ('gen-c7')) v(id)
 WHERE s.session_id = v.id;
RESET statement_timeout;
-- and for an error that is not the FDW's own, between the rows: reported
-- as the (sub)transaction aborts, so after the ERROR (caught here, for an
-- output in one order)
\! $MOCKCTL idle
\! $MOCKCTL reset
SELECT run($$DELETE FROM serial_sessions s
              USING (VALUES (1, 'gen-c8'), (2, 'gen-c9'), (3, 'gen-c10')) v(n, id)
              WHERE s.session_id = v.id AND 1 / (3 - v.n) > 0$$);
RESET client_min_messages;
\! $MOCKCTL terminations

-- only DELETE is supported, and nothing is called
\! $MOCKCTL reset
UPDATE athena_sessions SET state = 'IDLE' WHERE session_id = 's-idle';
INSERT INTO athena_sessions (session_id) VALUES ('new');
INSERT INTO athena_sessions (session_id) SELECT session_id FROM delete_jobs;
TRUNCATE athena_sessions;
COPY athena_sessions (session_id) FROM STDIN;
new
\.
-- a table without session_id cannot say which sessions
DELETE FROM no_id WHERE true;
\! $MOCKCTL count

DROP TABLE delete_jobs;
DROP FUNCTION run(text);
\! $MOCKCTL reset

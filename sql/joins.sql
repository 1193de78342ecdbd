--
-- Joins with local tables ask Athena only for the ids the local side
-- produces, never for every session: as a batched join (batched_joins.sql
-- tests it in detail) or as parameterized scans of a nested loop.
--
SET timezone = 'UTC';
CREATE TABLE jobs (job_id int PRIMARY KEY, session_id text, owner text);
INSERT INTO jobs VALUES
  (1, 's-idle', 'ana'), (2, 's-busy', 'ben'), (3, 's-terminated', 'ana'),
  (4, 'gone-1', 'cho'), (5, NULL, 'dan'), (6, 's-failed', 'ben');
ANALYZE jobs;

\! $MOCKCTL reset
SELECT explain_lines($$EXPLAIN (COSTS OFF)
SELECT j.job_id, s.state FROM jobs j JOIN athena_sessions s ON s.session_id = j.session_id$$);
SELECT j.job_id, j.owner, s.state, s.idle_since_date_time
  FROM jobs j JOIN athena_sessions s ON s.session_id = j.session_id ORDER BY 1;
-- one call per non-NULL outer id: 5
\! $MOCKCTL count GetSessionStatus

\! $MOCKCTL reset
SELECT j.job_id, s.session_id, s.state
  FROM jobs j LEFT JOIN athena_sessions s ON s.session_id = j.session_id ORDER BY 1;
\! $MOCKCTL count GetSessionStatus

-- a filter on the local side reduces the calls: 2
\! $MOCKCTL reset
SELECT j.job_id, s.state FROM jobs j JOIN athena_sessions s USING (session_id)
 WHERE j.owner = 'ben' ORDER BY 1;
\! $MOCKCTL count GetSessionStatus

-- LATERAL and semi-joins
\! $MOCKCTL reset
SELECT j.job_id, x.state FROM jobs j,
  LATERAL (SELECT state FROM athena_sessions s WHERE s.session_id = j.session_id) x
 WHERE j.owner = 'ana' ORDER BY 1;
SELECT session_id, state FROM athena_sessions
 WHERE session_id IN (SELECT session_id FROM jobs WHERE owner = 'ana') ORDER BY 1;
\! $MOCKCTL count GetSessionStatus

-- an array column of the outer side, through LATERAL and = ANY
CREATE TABLE batches (batch_id int, ids text[]);
INSERT INTO batches VALUES (1, '{s-idle,s-busy}'), (2, '{s-failed,nope,s-failed}');
\! $MOCKCTL reset
SELECT b.batch_id, s.session_id, s.state
  FROM batches b, LATERAL (SELECT * FROM athena_sessions s WHERE s.session_id = ANY(b.ids)) s
 ORDER BY 1, 2;
\! $MOCKCTL count GetSessionStatus

-- the pg_cron job's shape: snapshot the sessions of unfinished jobs
CREATE TABLE session_snapshots (taken_at timestamptz DEFAULT now(), session_id text, state text);
\! $MOCKCTL reset
INSERT INTO session_snapshots (session_id, state)
SELECT s.session_id, s.state FROM athena_sessions s
 WHERE s.session_id = ANY(ARRAY(SELECT session_id FROM jobs WHERE session_id IS NOT NULL));
SELECT session_id, state FROM session_snapshots ORDER BY 1;
\! $MOCKCTL count GetSessionStatus

-- the same session twice in one query (a self-join) shares one connection cache
SELECT a.session_id, a.state, b.state
  FROM athena_sessions a JOIN athena_sessions b ON a.session_id = b.session_id
 WHERE a.session_id IN ('s-idle', 's-busy') ORDER BY 1;

DROP TABLE session_snapshots, batches;

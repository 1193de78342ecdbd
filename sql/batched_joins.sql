--
-- Joins of a local relation with athena_sessions on session_id look up a
-- batch of outer rows at once (Custom Scan (AthenaBatchedJoin)): one call per
-- distinct id of the batch, max_concurrency in flight, and exactly the rows
-- of the parameterized nested loop.  The nested loop is still what a single
-- outer row gets.  Request counts are the mock's.
--
SET timezone = 'UTC';
-- This file's first query touching the foreign table: the planner hook is
-- installed while the library loads, during the planning of this very query.
SELECT explain_lines($$EXPLAIN (COSTS OFF)
SELECT j.job_id, s.state FROM jobs j JOIN athena_sessions s ON s.session_id = j.session_id$$);

-- outer rows with duplicate ids, NULL ids and ids Athena does not know
CREATE TABLE bj_jobs (job_id int PRIMARY KEY, session_id text, owner text,
                      expected text);
INSERT INTO bj_jobs VALUES
  (1, 's-idle', 'ana', 'IDLE'), (2, 's-busy', 'ben', 'IDLE'),
  (3, 's-idle', 'cho', 'IDLE'), (4, 'nope-1', 'ana', NULL),
  (5, NULL, 'ben', NULL), (6, 's-failed', 'cho', 'FAILED'),
  (7, 'nope-1', 'dan', NULL), (8, 's-terminated', 'ana', 'TERMINATED'),
  (9, NULL, 'dan', NULL), (10, 's-busy', 'ana', 'BUSY');
ANALYZE bj_jobs;

-- === inner join: 5 distinct non-NULL ids, 5 requests ===
\! $MOCKCTL reset
SELECT j.job_id, s.session_id, s.state, s.start_date_time
  FROM bj_jobs j JOIN athena_sessions s ON s.session_id = j.session_id
 ORDER BY 1;
\! $MOCKCTL count GetSessionStatus

-- === left join: every outer row, NULLs for NULL and unknown ids ===
\! $MOCKCTL reset
SELECT explain_lines($$EXPLAIN (COSTS OFF)
SELECT j.job_id, s.state
  FROM bj_jobs j LEFT JOIN athena_sessions s ON s.session_id = j.session_id$$);
SELECT j.job_id, j.session_id AS asked, s.session_id, s.state
  FROM bj_jobs j LEFT JOIN athena_sessions s ON s.session_id = j.session_id
 ORDER BY 1;
\! $MOCKCTL count GetSessionStatus

-- === the same rows as the parameterized nested loop ===
-- OFFSET 0 keeps the subquery apart, so it stays a nested loop of rescans
CREATE VIEW bj_nested AS
SELECT j.job_id, s.*
  FROM bj_jobs j LEFT JOIN LATERAL
       (SELECT * FROM athena_sessions s WHERE s.session_id = j.session_id OFFSET 0) s
       ON true;
SELECT explain_lines($$EXPLAIN (COSTS OFF) SELECT * FROM bj_nested$$);
\! $MOCKCTL reset
SELECT count(*) AS differing_rows FROM (
  (SELECT j.job_id, s.* FROM bj_jobs j
     LEFT JOIN athena_sessions s ON s.session_id = j.session_id
   EXCEPT ALL SELECT * FROM bj_nested)
  UNION ALL
  (SELECT * FROM bj_nested
   EXCEPT ALL SELECT j.job_id, s.* FROM bj_jobs j
     LEFT JOIN athena_sessions s ON s.session_id = j.session_id)
) d;
-- 5 requests per join, four joins (of GetSession: s.* reads every column):
-- the batched join asks once per distinct id, and so does the nested loop
-- through Memoize
\! $MOCKCTL count GetSession

-- === conditions on the foreign table and on both sides ===
-- an ON condition on the sessions alone, one that compares both sides, and
-- a WHERE filter over the null-extended rows
\! $MOCKCTL reset
SELECT explain_lines($$EXPLAIN (COSTS OFF)
SELECT j.job_id, s.state
  FROM bj_jobs j LEFT JOIN athena_sessions s
       ON s.session_id = j.session_id AND s.state <> 'BUSY'
          AND s.state = j.expected
 WHERE s.state IS NULL OR j.owner <> 'cho'$$);
SELECT j.job_id, s.state
  FROM bj_jobs j LEFT JOIN athena_sessions s
       ON s.session_id = j.session_id AND s.state <> 'BUSY'
          AND s.state = j.expected
 WHERE s.state IS NULL OR j.owner <> 'cho'
 ORDER BY 1;
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL reset
SELECT j.job_id, s.state, s.end_date_time
  FROM bj_jobs j JOIN athena_sessions s ON s.session_id = j.session_id
 WHERE s.state IN ('IDLE', 'TERMINATED') AND j.owner = 'ana'
 ORDER BY 1;
\! $MOCKCTL count GetSessionStatus

-- === semi- and anti-joins ===
\! $MOCKCTL reset
SELECT explain_lines($$EXPLAIN (COSTS OFF)
SELECT j.job_id FROM bj_jobs j
 WHERE NOT EXISTS (SELECT 1 FROM athena_sessions s
                    WHERE s.session_id = j.session_id AND s.state = 'IDLE')$$);
SELECT j.job_id FROM bj_jobs j
 WHERE EXISTS (SELECT 1 FROM athena_sessions s WHERE s.session_id = j.session_id)
 ORDER BY 1;
SELECT j.job_id FROM bj_jobs j
 WHERE NOT EXISTS (SELECT 1 FROM athena_sessions s
                    WHERE s.session_id = j.session_id AND s.state = 'IDLE')
 ORDER BY 1;
-- 5 requests per query
\! $MOCKCTL count GetSessionStatus

-- === self-joins ===
-- the local table twice, the foreign table once: 4 requests (ana's ids)
\! $MOCKCTL reset
SELECT a.job_id, b.job_id AS same_session_job, s.state
  FROM bj_jobs a JOIN bj_jobs b ON b.session_id = a.session_id
  JOIN athena_sessions s ON s.session_id = b.session_id
 WHERE a.owner = 'ana'
 ORDER BY 1, 2;
\! $MOCKCTL count GetSessionStatus
-- the foreign table twice: 3 requests for the outer scan, 2 for the join
\! $MOCKCTL reset
SELECT explain_lines($$EXPLAIN (COSTS OFF)
SELECT a.session_id, a.state, b.state
  FROM athena_sessions a JOIN athena_sessions b ON b.session_id = a.session_id
 WHERE a.session_id IN ('s-idle', 's-busy', 'nope-2')$$);
SELECT a.session_id, a.state, b.state
  FROM athena_sessions a JOIN athena_sessions b ON b.session_id = a.session_id
 WHERE a.session_id IN ('s-idle', 's-busy', 'nope-2')
 ORDER BY 1;
\! $MOCKCTL count GetSessionStatus

-- === one outer row: the plain parameterized nested loop is cheaper ===
\! $MOCKCTL reset
SELECT explain_lines($$EXPLAIN (COSTS OFF)
SELECT j.job_id, s.state FROM bj_jobs j JOIN athena_sessions s ON s.session_id = j.session_id
 WHERE j.job_id = 2$$);
SELECT j.job_id, s.state FROM bj_jobs j JOIN athena_sessions s ON s.session_id = j.session_id
 WHERE j.job_id = 2;
\! $MOCKCTL count GetSessionStatus

-- === LATERAL and correlated subqueries ===
\! $MOCKCTL reset
SELECT j.job_id, x.state FROM bj_jobs j,
  LATERAL (SELECT state FROM athena_sessions s WHERE s.session_id = j.session_id) x
 WHERE j.owner = 'ana' ORDER BY 1;
\! $MOCKCTL count GetSessionStatus
-- a batched join inside a correlated subquery runs again for each owner:
-- ana 4 ids, ben 1, cho 2, dan 1: 8 requests (the states sorted in a
-- subquery, not by string_agg's ORDER BY, which 16+ plans as a Sort of
-- its own below the Aggregate)
\! $MOCKCTL reset
SELECT explain_lines($$EXPLAIN (COSTS OFF)
SELECT o.owner,
       (SELECT string_agg(x.state, ',')
          FROM (SELECT s.state
                  FROM bj_jobs j JOIN athena_sessions s ON s.session_id = j.session_id
                 WHERE j.owner = o.owner ORDER BY j.job_id) x) AS states
  FROM (SELECT DISTINCT owner FROM bj_jobs) o$$);
SELECT o.owner,
       (SELECT string_agg(x.state, ',')
          FROM (SELECT s.state
                  FROM bj_jobs j JOIN athena_sessions s ON s.session_id = j.session_id
                 WHERE j.owner = o.owner ORDER BY j.job_id) x) AS states
  FROM (SELECT DISTINCT owner FROM bj_jobs) o
 ORDER BY 1;
\! $MOCKCTL count GetSessionStatus

-- === UPDATE ... FROM and FOR UPDATE: rows that may be rechecked ===
-- The join also carries the session's whole row, which a recheck
-- (EvalPlanQual) uses instead of asking Athena again; test/checks/
-- join_recheck.sh runs one with a concurrent transaction.
CREATE TABLE bj_status (job_id int PRIMARY KEY, session_id text, state text);
INSERT INTO bj_status SELECT job_id, session_id, NULL FROM bj_jobs;
SELECT explain_lines($$EXPLAIN (COSTS OFF, VERBOSE)
UPDATE bj_status t SET state = s.state
  FROM athena_sessions s WHERE s.session_id = t.session_id$$);
\! $MOCKCTL reset
UPDATE bj_status t SET state = s.state
  FROM athena_sessions s WHERE s.session_id = t.session_id;
SELECT * FROM bj_status ORDER BY 1;
-- one request per distinct id: 5
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL reset
SELECT t.job_id, s.state
  FROM bj_status t LEFT JOIN athena_sessions s ON s.session_id = t.session_id
 ORDER BY 1 FOR UPDATE OF t;
\! $MOCKCTL count GetSessionStatus

-- === batches: 2,500 outer rows in batches of 1,000 ===
CREATE TABLE bj_many AS
  SELECT i AS n, 'gen-' || (i % 1200) AS session_id FROM generate_series(1, 2500) i;
ANALYZE bj_many;
\! $MOCKCTL reset
SELECT explain_lines($$EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF)
SELECT count(*) FROM bj_many m JOIN athena_sessions s ON s.session_id = m.session_id$$);
-- distinct ids per batch: 1,000 + 1,000 + 500 (an id is looked up once per
-- batch it appears in)
\! $MOCKCTL count GetSessionStatus
SELECT count(*), count(DISTINCT s.session_id), min(s.state), max(s.state),
       bool_and(s.session_id = m.session_id) AS ids_match
  FROM bj_many m JOIN athena_sessions s ON s.session_id = m.session_id;

-- === a failed call is an ERROR; the next query is unaffected ===
INSERT INTO bj_jobs VALUES (11, 'hostile-garbage', 'eve', NULL);
\set VERBOSITY terse
SELECT j.job_id, s.state FROM bj_jobs j JOIN athena_sessions s ON s.session_id = j.session_id;
\set VERBOSITY default
DELETE FROM bj_jobs WHERE job_id = 11;
\! $MOCKCTL reset
SELECT count(*) FROM bj_jobs j JOIN athena_sessions s ON s.session_id = j.session_id;
\! $MOCKCTL count GetSessionStatus

-- === a cancel (here statement_timeout) ends the join's fan-out at once ===
\! $MOCKCTL reset
\! $MOCKCTL fault hang -1
SET statement_timeout = '2s';
SELECT j.job_id, s.state FROM bj_jobs j JOIN athena_sessions s ON s.session_id = j.session_id;
RESET statement_timeout;
-- the 5 distinct ids were all sent (2 s is ample for that, even under
-- valgrind) and were in flight; none is left open at the mock
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL idle
\! $MOCKCTL reset

DROP VIEW bj_nested;
DROP TABLE bj_jobs, bj_status, bj_many;

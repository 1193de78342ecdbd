--
-- Performance behaviour with exact outcomes: the concurrency limit, one
-- connection cache per backend that survives queries and rescans and is
-- rebuilt when options change, identical rows at any concurrency, and
-- de-duplication of 10,000 ids.  Timings are measured by test/bench/run.sh,
-- never asserted here.
--
-- The mock counts API requests (count), TCP connections whose first request
-- was an API call (conns) and the most API requests in flight at once (peak).
--
SET timezone = 'UTC';
\getenv mock_port MOCK_PORT
\set endpoint http://127.0.0.1: :mock_port
CREATE SERVER perf FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', max_concurrency '4');
CREATE USER MAPPING FOR CURRENT_USER SERVER perf
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE FOREIGN TABLE perf_sessions (session_id text, state text,
                                    start_date_time timestamptz)
  SERVER perf;
CREATE TABLE perf_jobs AS
  SELECT i AS job_id, 'gen-' || i AS session_id FROM generate_series(1, 300) i;
ANALYZE perf_jobs;

-- === max_concurrency 4: 40 ids at 100 ms each run exactly 4 at a time ===
\! $MOCKCTL reset
\! $MOCKCTL latency 100
SELECT count(*), count(DISTINCT session_id), min(state), max(state)
  FROM perf_sessions
 WHERE session_id = ANY(ARRAY(SELECT session_id FROM perf_jobs WHERE job_id <= 40));
-- 40 requests, at most (and here exactly) 4 in flight, over 4 connections
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL peak
\! $MOCKCTL conns

-- === later queries of this backend reuse those connections ===
\! $MOCKCTL reset
SELECT state FROM perf_sessions WHERE session_id = 'gen-a';
SELECT state FROM perf_sessions WHERE session_id = 'gen-b';
SELECT count(*) FROM perf_sessions WHERE session_id IN ('gen-c', 'gen-d', 's-idle');
SELECT count(*) FROM perf_sessions
 WHERE session_id = ANY(ARRAY(SELECT session_id FROM perf_jobs WHERE job_id <= 12));
PREPARE one(text) AS SELECT state FROM perf_sessions WHERE session_id = $1;
EXECUTE one('gen-e');
EXECUTE one('gen-f');
EXECUTE one('s-busy');
-- 20 requests, no new connection
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL conns

-- === a nested loop's rescans share the connections too ===
-- (OFFSET 0 keeps the subquery a parameterized scan, rescanned per row)
\! $MOCKCTL reset
\! $MOCKCTL latency 0
SELECT explain_lines($$EXPLAIN (COSTS OFF)
SELECT j.job_id, s.state FROM perf_jobs j,
  LATERAL (SELECT * FROM perf_sessions s WHERE s.session_id = j.session_id OFFSET 0) s
 WHERE j.job_id <= 25$$);
SELECT count(*), min(s.state) FROM perf_jobs j,
  LATERAL (SELECT * FROM perf_sessions s WHERE s.session_id = j.session_id OFFSET 0) s
 WHERE j.job_id <= 25;
-- 25 rescans, 25 requests, no new connection
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL conns

-- === a batched join: 40 lookups at 100 ms, exactly 4 in flight ===
\! $MOCKCTL reset
\! $MOCKCTL latency 100
SELECT explain_lines($$EXPLAIN (COSTS OFF)
SELECT count(*), min(s.state) FROM perf_jobs j
  JOIN perf_sessions s ON s.session_id = j.session_id
 WHERE j.job_id <= 40$$);
SELECT count(*), min(s.state) FROM perf_jobs j
  JOIN perf_sessions s ON s.session_id = j.session_id
 WHERE j.job_id <= 40;
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL peak
\! $MOCKCTL conns
\! $MOCKCTL latency 0

-- === ALTER SERVER drops the cached connections: exactly one new one ===
-- (one id per query: two ids at once could need a second connection)
ALTER SERVER perf OPTIONS (SET max_concurrency '2');
\! $MOCKCTL reset
SELECT state FROM perf_sessions WHERE session_id = 'gen-g';
SELECT state FROM perf_sessions WHERE session_id = 'gen-h';
SELECT count(*) FROM perf_sessions WHERE session_id = 'gen-i';
\! $MOCKCTL conns
-- the new limit holds: 2 in flight at most
\! $MOCKCTL reset
\! $MOCKCTL latency 100
SELECT count(*) FROM perf_sessions
 WHERE session_id = ANY(ARRAY(SELECT session_id FROM perf_jobs WHERE job_id <= 10));
\! $MOCKCTL peak
\! $MOCKCTL latency 0

-- === so does ALTER USER MAPPING, even to the same value ===
ALTER USER MAPPING FOR CURRENT_USER SERVER perf
  OPTIONS (SET aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
\! $MOCKCTL reset
SELECT state FROM perf_sessions WHERE session_id = 'gen-k';
SELECT state FROM perf_sessions WHERE session_id = 'gen-l';
\! $MOCKCTL conns
-- and an option of another server changes nothing here
CREATE SERVER perf_other FOREIGN DATA WRAPPER athena_fdw OPTIONS (region 'us-east-1');
ALTER SERVER perf_other OPTIONS (ADD max_retries '1');
SELECT state FROM perf_sessions WHERE session_id = 'gen-m';
\! $MOCKCTL conns
DROP SERVER perf_other;

-- === the same rows at max_concurrency 1 and 64 ===
-- 300 generated ids, fixtures, unknown ids, duplicates and NULLs
CREATE TABLE perf_ids AS
  SELECT session_id FROM perf_jobs
  UNION ALL SELECT session_id FROM perf_jobs WHERE job_id % 3 = 0
  UNION ALL SELECT unnest(ARRAY['s-idle', 's-busy', 's-terminated', 's-failed',
                                's-min', 'nope-1', 'nope-2', NULL, NULL]);
CREATE TABLE perf_results (concurrency int, n bigint, digest text);
ALTER SERVER perf OPTIONS (SET max_concurrency '1');
\! $MOCKCTL reset
INSERT INTO perf_results
SELECT 1, count(*), md5(string_agg(s::text, ',' ORDER BY s.session_id))
  FROM perf_sessions s WHERE session_id = ANY(ARRAY(SELECT session_id FROM perf_ids));
-- one request per distinct id, one at a time
\! $MOCKCTL count GetSessionStatus
\! $MOCKCTL peak
ALTER SERVER perf OPTIONS (SET max_concurrency '64');
\! $MOCKCTL reset
INSERT INTO perf_results
SELECT 64, count(*), md5(string_agg(s::text, ',' ORDER BY s.session_id))
  FROM perf_sessions s WHERE session_id = ANY(ARRAY(SELECT session_id FROM perf_ids));
\! $MOCKCTL count GetSessionStatus
SELECT concurrency, n FROM perf_results ORDER BY 1;
SELECT count(DISTINCT digest) AS distinct_digests FROM perf_results;
-- row by row, both ways
SELECT count(*) AS differing_rows FROM (
  (SELECT * FROM perf_sessions WHERE session_id = ANY(ARRAY(SELECT session_id FROM perf_ids))
   EXCEPT
   SELECT s.* FROM perf_ids i JOIN perf_sessions s ON s.session_id = i.session_id)
  UNION ALL
  (SELECT s.* FROM perf_ids i JOIN perf_sessions s ON s.session_id = i.session_id
   EXCEPT
   SELECT * FROM perf_sessions WHERE session_id = ANY(ARRAY(SELECT session_id FROM perf_ids)))
) d;

-- === 10,000 distinct ids among 25,000 values: one request each ===
ALTER SERVER perf OPTIONS (SET max_concurrency '16');
\! $MOCKCTL reset
SELECT count(*), count(DISTINCT session_id), min(state), max(state)
  FROM perf_sessions
 WHERE session_id = ANY(ARRAY(SELECT 'gen-' || (i % 10000)
                                FROM generate_series(1, 25000) i
                              UNION ALL SELECT NULL));
\! $MOCKCTL count GetSessionStatus
-- and EXPLAIN ANALYZE agrees.  The ids' InitPlan belongs to the scan
-- itself (OFFSET 0), not to the Aggregate: a foreign scan's EXPLAIN is not
-- told the plan nodes above it, so on 17+ it could only show an ancestor's
-- InitPlan output as $0
SELECT explain_lines($$EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF)
SELECT count(*) FROM
  (SELECT * FROM perf_sessions
    WHERE session_id = ANY(ARRAY(SELECT 'gen-' || (i % 10000) FROM generate_series(1, 25000) i))
   OFFSET 0) s$$);

DROP TABLE perf_results, perf_ids, perf_jobs;
DROP SERVER perf CASCADE;

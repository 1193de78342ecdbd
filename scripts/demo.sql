-- athena_fdw demo: the statements a user runs, against the local mock.
\getenv mock_port MOCK_PORT
\set endpoint http://127.0.0.1: :mock_port
\pset null '(null)'
SET timezone = 'UTC';

CREATE EXTENSION athena_fdw;
CREATE SERVER athena FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER athena
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
IMPORT FOREIGN SCHEMA athena FROM SERVER athena INTO public;

-- Look up sessions by id: one signed GetSessionStatus call per id, concurrently.
SELECT session_id, state, start_date_time, idle_since_date_time
  FROM athena_sessions
 WHERE session_id IN ('s-idle', 's-busy', 's-terminated', 'no-such-session');

-- Join with a local table: a nested loop asks only for the jobs' sessions.
CREATE TABLE jobs (job_id int PRIMARY KEY, session_id text, owner text);
INSERT INTO jobs VALUES (1, 's-idle', 'ana'), (2, 's-busy', 'ben'), (3, 's-failed', 'ana');
SELECT j.job_id, j.owner, s.state, s.state_change_reason
  FROM jobs j JOIN athena_sessions s ON s.session_id = j.session_id
 ORDER BY j.job_id;

-- Sessions idle for more than an hour (the clean-up job's question).
SELECT session_id, idle_since_date_time
  FROM athena_sessions
 WHERE session_id = ANY(ARRAY(SELECT session_id FROM jobs))
   AND state = 'IDLE' AND idle_since_date_time < now() - interval '1 hour';

-- What was sent, and what it cost.
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF)
SELECT j.job_id, s.state
  FROM jobs j JOIN athena_sessions s ON s.session_id = j.session_id;

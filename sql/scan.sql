--
-- Scans: one GetSessionStatus (or GetSession) call per id, each response one row.
--
SET timezone = 'UTC';
\! $MOCKCTL reset

-- every state, every column; timestamps exact to the microsecond (every
-- column includes the detail ones: GetSession, which answers the status too)
SELECT * FROM athena_sessions
 WHERE session_id IN ('s-idle', 's-busy', 's-creating', 's-created', 's-terminating',
                      's-terminated', 's-degraded', 's-failed')
 ORDER BY session_id;
\! $MOCKCTL count GetSession

-- absent and null fields are NULL; unknown fields ignored; unknown states pass through
SELECT session_id, state, state_change_reason, start_date_time,
       last_modified_date_time IS NULL AS no_last_modified,
       end_date_time IS NULL AS no_end, idle_since_date_time IS NULL AS no_idle
  FROM athena_sessions
 WHERE session_id IN ('s-min', 's-nulls', 's-extra', 's-future', 's-unicode')
 ORDER BY session_id;

-- exponent notation keeps every digit: 1.7000000001234567E9 is ...0.123457 (rounded)
SELECT session_id, start_date_time, last_modified_date_time, idle_since_date_time,
       extract(epoch FROM start_date_time) AS start_epoch
  FROM athena_sessions WHERE session_id = 's-exp';
SELECT extract(epoch FROM start_date_time) AS epoch_idle
  FROM athena_sessions WHERE session_id = 's-idle';

-- columns matched by name: any subset, any order, other types through text
CREATE FOREIGN TABLE few_columns (
  idle_since_date_time timestamptz,
  state varchar(4),
  session_id text
) SERVER athena;
SELECT * FROM few_columns WHERE session_id = 's-idle';
SELECT * FROM few_columns WHERE session_id = 's-terminated';
CREATE FOREIGN TABLE other_types (
  session_id varchar,
  start_date_time timestamp,
  last_modified_date_time text,
  state name
) SERVER athena;
SELECT * FROM other_types WHERE session_id = 's-created';
SELECT count(*) FROM other_types WHERE session_id IN ('s-idle', 's-busy');

-- only the columns a query reads are converted: a value that does not fit
-- its column fails only the queries that read it
CREATE FOREIGN TABLE misfit (session_id text, state integer, dpu_execution_in_millis text)
  SERVER athena;
SELECT session_id FROM misfit WHERE session_id = 's-idle';
SELECT count(*) FROM misfit WHERE session_id IN ('s-idle', 's-busy');
SELECT session_id, state FROM misfit WHERE session_id = 's-idle';
SELECT * FROM misfit WHERE session_id = 's-idle';
SELECT m.session_id FROM misfit m WHERE session_id = 's-idle' AND m IS NOT NULL;
DROP FOREIGN TABLE misfit;

-- a column Athena does not know is an error naming it
CREATE FOREIGN TABLE misnamed (session_id text, status text) SERVER athena;
SELECT * FROM misnamed WHERE session_id = 's-idle';
-- dropped columns are fine
ALTER FOREIGN TABLE misnamed DROP COLUMN status;
SELECT * FROM misnamed WHERE session_id = 's-idle';

-- a table without session_id can only list sessions
CREATE FOREIGN TABLE no_id (state text) SERVER athena;
SELECT * FROM no_id ORDER BY 1;

-- requests carry the expected headers, signed
\! $MOCKCTL last target
\! $MOCKCTL last signed_headers
\! $MOCKCTL last user_agent

--
-- An answer with bytes that are not UTF-8 in a string (the mock's
-- hostile-badutf8: Status.StateChangeReason holds the raw bytes \xff\xfe)
-- is an ERROR after one request, never a row.  Which ERROR is json-c's
-- choice: 0.16 and 0.19 parse the JSON and athena_fdw refuses the field
-- (bad_utf8.out); 0.18's strict mode refuses every raw byte above 0x7F
-- (json-c issues 875 and 892), which athena_fdw avoids for valid UTF-8 by
-- handing it over as \u escapes, but bytes that are no UTF-8 have no
-- escape, so there the answer is not valid JSON (bad_utf8_1.out, Debian
-- 13's json-c).
--
\getenv mock_port MOCK_PORT
\set endpoint http://127.0.0.1: :mock_port

CREATE SERVER bad_utf8 FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', max_retries '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER bad_utf8
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC',
           aws_secret_access_key 'mock/static/SECRET+key0123456789abcdefEXAMPLE');
CREATE FOREIGN TABLE bad_utf8_sessions (session_id text, state text,
  state_change_reason text) SERVER bad_utf8;

\! $MOCKCTL reset
DO $$
DECLARE
  state text; msg text; detail text;
BEGIN
  PERFORM * FROM bad_utf8_sessions WHERE session_id = 'hostile-badutf8';
  RAISE NOTICE 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL;
  RAISE NOTICE '%: %', state, msg;
  RAISE NOTICE 'DETAIL: %',
    regexp_replace(detail, '[0-9a-f]{8}-[0-9a-f-]{27}', '<request-id>');
END $$;
\! $MOCKCTL count GetSessionStatus

-- the backend is fine after it
SELECT session_id, state FROM bad_utf8_sessions WHERE session_id = 's-busy';

DROP SERVER bad_utf8 CASCADE;

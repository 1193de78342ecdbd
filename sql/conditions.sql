--
-- Which conditions become calls: one call per distinct non-NULL id.
--
SET timezone = 'UTC';

-- Every EXPLAIN of the suite goes through explain_lines (later files use
-- it too): EXPLAIN's output, a row per line, with what differs between
-- PostgreSQL versions and means nothing here written one way:
--  - an InitPlan's output: $0 on 15 and 16 ("InitPlan 1 (returns $0)"),
--    (InitPlan 1).col1 as on 17+;
--  - the two columns of an equality in a Filter or Join Filter, which 17+
--    writes the other way round: in sorted order;
--  - actual rows, which 18 shows with two decimals ("rows=2.00"), as whole
--    numbers; 18's "Disabled": false in JSON, left out.
-- 18's default BUFFERS with ANALYZE is turned off in the statements.
CREATE FUNCTION explain_lines(stmt text)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  lines text[] := '{}';
  line text;
  m text[];
  params text[];
BEGIN
  FOR line IN EXECUTE stmt LOOP
    lines := lines || string_to_array(line, E'\n');
  END LOOP;
  FOR i IN 1 .. coalesce(array_length(lines, 1), 0) LOOP
    m := regexp_match(lines[i], 'InitPlan ([0-9]+) \(returns ([$0-9,]+)\)');
    CONTINUE WHEN m IS NULL;
    lines[i] := replace(lines[i], ' (returns ' || m[2] || ')', '');
    params := string_to_array(m[2], ',');
    FOR k IN 1 .. array_length(params, 1) LOOP
      FOR j IN 1 .. array_length(lines, 1) LOOP
        lines[j] := regexp_replace(lines[j], '\' || params[k] || '(?![0-9])',
                                   '(InitPlan ' || m[1] || ').col' || k, 'g');
      END LOOP;
    END LOOP;
  END LOOP;
  FOREACH line IN ARRAY lines LOOP
    CONTINUE WHEN line ~ '^ *"Disabled": false,$';
    IF line ~ '^ *(Join )?Filter: ' THEN
      FOR m IN SELECT regexp_matches(line,
                 '\(([A-Za-z_][A-Za-z0-9_.]*) = ([A-Za-z_][A-Za-z0-9_.]*)\)', 'g')
      LOOP
        IF m[1] COLLATE "C" > m[2] COLLATE "C" THEN
          line := replace(line, '(' || m[1] || ' = ' || m[2] || ')',
                          '(' || m[2] || ' = ' || m[1] || ')');
        END IF;
      END LOOP;
    END IF;
    FOR m IN SELECT regexp_matches(line, '(rows=|"Actual Rows": )([0-9]+\.[0-9]+)', 'g')
    LOOP
      line := replace(line, m[1] || m[2], m[1] || round(m[2]::numeric));
    END LOOP;
    RETURN NEXT line;
  END LOOP;
END $$;

\! $MOCKCTL reset

-- an IN list of 8 ids makes 8 calls
SELECT session_id, state FROM athena_sessions
 WHERE session_id IN ('s-idle', 's-busy', 's-creating', 's-created',
                      's-terminating', 's-terminated', 's-degraded', 's-failed')
 ORDER BY 1;
\! $MOCKCTL count GetSessionStatus

-- duplicates and NULLs collapse: 2 calls
\! $MOCKCTL reset
SELECT session_id, state FROM athena_sessions
 WHERE session_id IN ('s-idle', 's-busy', 's-idle', NULL, 's-busy') ORDER BY 1;
\! $MOCKCTL count GetSessionStatus

-- an unknown id yields no row, not an error: 1 row, 2 calls
\! $MOCKCTL reset
SELECT session_id, state FROM athena_sessions
 WHERE session_id IN ('s-idle', 'no-such-session') ORDER BY 1;
\! $MOCKCTL count GetSessionStatus

-- NULL ids ask nothing; of two id conditions, the one with fewer ids is
-- sent: 1 call (of GetSession: SELECT * reads the detail columns)
\! $MOCKCTL reset
SELECT * FROM athena_sessions WHERE session_id = NULL;
SELECT * FROM athena_sessions WHERE session_id = ANY(ARRAY[NULL, NULL]::text[]);
SELECT * FROM athena_sessions WHERE session_id = ANY(NULL::text[]);
SELECT * FROM athena_sessions WHERE session_id IN ('a', 'b') AND session_id = 'c';
\! $MOCKCTL count GetSession

-- = ANY(array), = ANY(ARRAY(SELECT ...)), constant on the left
\! $MOCKCTL reset
SELECT session_id, state FROM athena_sessions
 WHERE session_id = ANY('{s-failed,s-degraded}'::text[]) ORDER BY 1;
SELECT session_id, state FROM athena_sessions
 WHERE session_id = ANY(ARRAY(SELECT 's-' || x FROM unnest(ARRAY['idle', 'busy', 'idle', 'gone']) x))
 ORDER BY 1;
SELECT session_id, state FROM athena_sessions WHERE 's-busy' = session_id;
\! $MOCKCTL count GetSessionStatus

-- pushed conditions are rechecked, other conditions run locally
\! $MOCKCTL reset
SELECT session_id, state FROM athena_sessions
 WHERE session_id IN ('s-idle', 's-busy', 's-failed') AND state <> 'BUSY'
   AND start_date_time < '2023-11-14 22:20:00+00' ORDER BY 1;
SELECT session_id FROM athena_sessions
 WHERE session_id = ANY(ARRAY['s-idle', 's-busy']) AND session_id LIKE '%busy';
\! $MOCKCTL count GetSessionStatus

-- an OR of equalities on session_id is sent as one IN list: 2 calls
\! $MOCKCTL reset
SELECT session_id, state FROM athena_sessions
 WHERE session_id = 's-idle' OR 's-busy' = session_id OR session_id = 's-idle'
 ORDER BY 1;
\! $MOCKCTL count GetSessionStatus
SELECT explain_lines($$EXPLAIN (COSTS OFF) SELECT session_id FROM athena_sessions
 WHERE session_id = 's-idle' OR session_id = 's-busy'$$);

-- a varchar(5) column trims the id 'gen-1  ' to 'gen-1', which is not
-- 'gen-1  ': the executor rechecks = ANY for such a column (a Filter line),
-- so only gen-2 is a row; 2 calls
CREATE FOREIGN TABLE short_ids (session_id varchar(5), state text) SERVER athena;
\! $MOCKCTL reset
SELECT session_id, state FROM short_ids
 WHERE session_id = ANY(ARRAY['gen-1  ', 'gen-2']) ORDER BY 1;
\! $MOCKCTL count GetSessionStatus
SELECT explain_lines($$EXPLAIN (COSTS OFF) SELECT * FROM short_ids WHERE session_id = ANY(ARRAY['gen-1  ', 'gen-2'])$$);
DROP FOREIGN TABLE short_ids;

-- plans show what is sent
SELECT explain_lines($$EXPLAIN (COSTS OFF) SELECT * FROM athena_sessions WHERE session_id IN ('s-idle', 's-busy')$$);
SELECT explain_lines($$EXPLAIN (COSTS OFF) SELECT * FROM athena_sessions WHERE session_id = 's-idle' AND state = 'IDLE'$$);
SELECT explain_lines($$EXPLAIN (COSTS OFF) SELECT * FROM athena_sessions
 WHERE session_id = ANY(ARRAY(SELECT 's-idle'))$$);
SELECT explain_lines($$EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF)
 SELECT * FROM athena_sessions WHERE session_id IN ('s-idle', 's-busy', 'unknown')$$);

-- constant ids show as how many are sent: distinct, non-NULL and ones
-- Athena can hold ('' and 257 characters are never sent), so 2 here, and
-- the mock receives exactly 2 calls; an expression shows as itself (a
-- number and a string in JSON, below and after the generic plan)
\! $MOCKCTL reset
SELECT explain_lines($$EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF)
 SELECT session_id FROM athena_sessions
 WHERE session_id IN ('s-idle', 's-busy', 's-idle', NULL, '', repeat('x', 257))$$);
\! $MOCKCTL count GetSessionStatus
SELECT explain_lines($$EXPLAIN (COSTS OFF, FORMAT JSON)
 SELECT session_id FROM athena_sessions WHERE session_id IN ('a', 'b', 'c')$$);

-- prepared statements: custom and generic plans
\! $MOCKCTL reset
PREPARE by_id(text) AS SELECT session_id, state FROM athena_sessions WHERE session_id = $1;
PREPARE by_ids(text[]) AS SELECT session_id, state FROM athena_sessions
  WHERE session_id = ANY($1) ORDER BY 1;
SET plan_cache_mode = force_custom_plan;
EXECUTE by_id('s-idle');
EXECUTE by_ids('{s-busy,s-failed,s-busy}');
SET plan_cache_mode = force_generic_plan;
SELECT explain_lines($$EXPLAIN (COSTS OFF) EXECUTE by_id('s-idle')$$);
SELECT explain_lines($$EXPLAIN (COSTS OFF, FORMAT JSON) EXECUTE by_ids('{s-busy}')$$);
EXECUTE by_id('s-idle');
EXECUTE by_id('s-created');
EXECUTE by_id(NULL);
EXECUTE by_ids('{s-busy,s-failed,s-busy}');
RESET plan_cache_mode;
\! $MOCKCTL count GetSessionStatus

-- without a session_id condition Athena can take, the scan lists sessions
-- instead (list_scans has the details): every Spark workgroup here, no lookup
\! $MOCKCTL reset
SELECT session_id, state FROM athena_sessions ORDER BY 1;
SELECT session_id, state FROM athena_sessions WHERE session_id = 's-idle' OR state = 'IDLE' ORDER BY 1;
SELECT session_id FROM athena_sessions WHERE session_id LIKE 'le-%' ORDER BY 1;
SELECT count(*) FROM athena_sessions WHERE session_id = session_id;
SELECT count(*) FROM athena_sessions WHERE session_id = (random() > 2)::text;
-- nondeterministic collations could match ids Athena was not asked for
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
SELECT session_id FROM athena_sessions WHERE session_id = 'LA-IDLE-1' COLLATE ci;
DROP COLLATION ci;
\! $MOCKCTL count ListSessions
\! $MOCKCTL count GetSessionStatus

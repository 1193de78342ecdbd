#!/usr/bin/env bash
# The memory of a scan is bounded by what it holds at once (the ids, a
# window of max_concurrency requests and answers), not by the number of
# calls: the peak RSS (VmHWM) of a backend after a 1,000-id scan and after a
# 10,000-id scan must stay within 8 MB of each other, and the mock must see
# exactly one call per id.
#
# Uses the running cluster and mock: PGHOST PGPORT PGUSER PG_BIN MOCK_PORT
# MOCKCTL (set by test/run_all.sh).
set -uo pipefail

. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/check_db.sh"

PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1"
DB=athena_check_scan_memory
LIMIT_KB=$((8 * 1024))

check_database $DB
$PSQL -d $DB >/dev/null <<EOF || { echo "Bail out! cannot set up"; exit 1; }
$(mock_server_sql mock "max_concurrency '32'")
CREATE FOREIGN TABLE s (session_id text, state text, start_date_time timestamptz) SERVER mock;
EOF
$MOCKCTL reset

HWM="SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\\s+(\\d+)'))[1]::int"
scan() {						# scan n: every row of n generated ids
	echo "SELECT count(*) AS rows_$1 FROM s WHERE session_id = ANY(ARRAY(SELECT 'gen-' || g FROM generate_series(1, $1) g)) \\gset"
}
out=$($PSQL -d $DB <<EOF
$(scan 1000)
$HWM AS hwm_small \gset
$(scan 10000)
$HWM AS hwm_large \gset
\echo RESULT :rows_1000 :rows_10000 :hwm_small :hwm_large
EOF
)
read -r _ rows_small rows_large small large < <(echo "$out" | grep '^RESULT ')

[ "${rows_small:-0}" -eq 1000 ] && [ "${rows_large:-0}" -eq 10000 ]
ok $? "1,000 and 10,000 ids give as many rows (${rows_small:-?}, ${rows_large:-?})"
calls=$($MOCKCTL count GetSessionStatus)
[ "$calls" -eq 11000 ]
ok $? "one call per id ($calls calls)"

growth=$((${large:-0} - ${small:-0}))
echo "# VmHWM after 1,000 ids: ${small:-?} kB; after 10,000 ids: ${large:-?} kB; growth: $growth kB"
[ -n "${small:-}" ] && [ -n "${large:-}" ] && [ "$growth" -lt "$LIMIT_KB" ]
ok $? "peak RSS of a 10,000-id scan within 8 MB of a 1,000-id scan ($growth kB)"

tap_finish

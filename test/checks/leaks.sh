#!/usr/bin/env bash
# 1,000 failing queries in one backend must not make it grow: curl handles,
# header lists, response buffers and json-c objects are not palloc'd, so an
# ERROR that unwinds a scan must still release them.  The queries fail in
# four ways, in turn: an AWS error (InvalidSignatureException), a
# network error (connection refused), a malformed response (not JSON) and a
# response over 1 MiB.  The backend's VmRSS is read after a warm-up of 50
# queries and again after 1,000 more; the growth must stay under 8 MB.
#
# Uses the running cluster and mock: PGHOST PGPORT PGUSER PG_BIN MOCK_PORT
# MOCKCTL (set by test/run_all.sh).
set -uo pipefail

. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/check_db.sh"

PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=0"
DB=athena_check_leaks
TMP=$(mktemp -d /tmp/athena_leaks.XXXXXX)
LIMIT_KB=$((8 * 1024))

check_cleanup() { rm -rf "$TMP"; }
check_database $DB
$PSQL -d $DB >/dev/null <<EOF || { echo "Bail out! cannot set up"; exit 1; }
$(mock_server_sql mock "max_retries '0'")
CREATE SERVER down FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:1', max_retries '0');
CREATE SERVER badkey FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:$MOCK_PORT',
           max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER badkey
  OPTIONS (aws_access_key_id '$MOCK_ACCESS_KEY', aws_secret_access_key 'not-the-secret');
CREATE USER MAPPING FOR CURRENT_USER SERVER down
  OPTIONS (aws_access_key_id '$MOCK_ACCESS_KEY', aws_secret_access_key '$MOCK_SECRET_KEY');
CREATE FOREIGN TABLE s (session_id text, state text) SERVER mock;
CREATE FOREIGN TABLE d (session_id text, state text) SERVER down;
CREATE FOREIGN TABLE b (session_id text, state text) SERVER badkey;
EOF
$MOCKCTL reset

# Writes $2 failing queries, cycling through the four kinds.  Some ask for
# several ids, so that the ERROR comes while other requests are in flight.
queries() {						# queries start count
	local i
	for ((i = $1; i < $1 + $2; i++)); do
		case $((i % 4)) in
			0) echo "SELECT * FROM b WHERE session_id IN ('s-idle', 's-busy', 's-failed');" ;;
			1) echo "SELECT * FROM d WHERE session_id = 's-idle';" ;;
			2) echo "SELECT * FROM s WHERE session_id IN ('hostile-garbage', 'gen-1', 'gen-2', 'gen-3');" ;;
			3) echo "SELECT * FROM s WHERE session_id = 'hostile-oversized';" ;;
		esac
	done
}

RSS="SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmRSS:\\s+(\\d+)'))[1]::int"
{
	queries 0 50
	echo "$RSS AS rss_before \\gset"
	queries 50 1000
	echo "$RSS AS rss_after \\gset"
	echo "\\echo RESULT :rss_before :rss_after"
} >"$TMP/leaks.sql"

$PSQL -d $DB -f "$TMP/leaks.sql" >"$TMP/out" 2>"$TMP/err"
read -r _ before after < <(grep '^RESULT ' "$TMP/out")
errors=$(grep -c '^psql:.*ERROR:' "$TMP/err")

[ "$errors" -eq 1050 ]
ok $? "1,050 queries in one backend, each a clean ERROR ($errors errors)"
# queries 0..1049 cycle through the kinds: 263, 263, 262 and 262 of each
for kind in "263 InvalidSignatureException" "263 could not reach Athena" \
	"262 response is not valid JSON" "262 response body exceeds"; do
	want=${kind%% *}
	kind=${kind#* }
	c=$(grep -c "ERROR:.*$kind" "$TMP/err")
	[ "$c" -eq "$want" ]
	ok $? "errors of each kind: \"$kind\" $c times"
done

if [ -n "${before:-}" ] && [ -n "${after:-}" ]; then
	growth=$((after - before))
	echo "# VmRSS after 50 warm-up queries: $before kB; after 1,000 more: $after kB; growth: $growth kB"
	[ "$growth" -lt "$LIMIT_KB" ]
	ok $? "RSS growth over 1,000 failing queries under 8 MB ($growth kB)"
else
	ok 1 "RSS growth over 1,000 failing queries under 8 MB (no measurement)"
fi

tap_finish

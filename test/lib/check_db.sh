# A database of its own for a check in test/checks/: source it after
# tap.sh, then "check_database NAME" drops and creates NAME with the
# extension (or bails out), and at exit the check's own "check_cleanup"
# (if it defines one) runs, the mock is reset and NAME is dropped.
#
# Uses the running cluster and mock: PGHOST PGPORT PGUSER PG_BIN MOCKCTL.

check_database() {				# check_database name
	CHECK_DB=$1
	trap check_database_drop EXIT
	"$PG_BIN/psql" -X -q -d postgres -c "DROP DATABASE IF EXISTS $CHECK_DB" >/dev/null 2>&1
	"$PG_BIN/psql" -X -q -d postgres -c "CREATE DATABASE $CHECK_DB" >/dev/null &&
		"$PG_BIN/psql" -X -q -d "$CHECK_DB" -c "CREATE EXTENSION athena_fdw" >/dev/null ||
		{ echo "Bail out! cannot create database $CHECK_DB"; exit 1; }
}

check_database_drop() {
	if declare -F check_cleanup >/dev/null; then
		check_cleanup
	fi
	$MOCKCTL reset >/dev/null 2>&1
	"$PG_BIN/psql" -X -q -d postgres -c "DROP DATABASE IF EXISTS $CHECK_DB" >/dev/null 2>&1
}

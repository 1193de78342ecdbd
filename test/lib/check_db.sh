# A database of its own for a check in test/checks/: source it after
# tap.sh, then "check_database NAME" drops and creates NAME with the
# extension (or bails out), and at exit the check's own "check_cleanup"
# (if it defines one) runs, the mock is reset and NAME is dropped.
# "mock_server_sql NAME [OPTIONS]" prints the SQL of a server on the mock
# and the current user's mapping with the mock's static key.
#
# Uses the running cluster and mock: PGHOST PGPORT PGUSER PG_BIN MOCK_PORT
# MOCKCTL.

# The static key the mock accepts (test/mock/mock_athena.py).
MOCK_ACCESS_KEY=AKIDMOCKSTATIC
MOCK_SECRET_KEY='mock/static/SECRET+key0123456789abcdefEXAMPLE'

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

# mock_server_sql name [options]: CREATE SERVER name on the mock, with more
# server options if given ("max_retries '0', ..."), and CREATE USER MAPPING
# for the current user with the mock's static key.
mock_server_sql() {
	cat <<EOF
CREATE SERVER $1 FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:$MOCK_PORT'${2:+,
           $2});
CREATE USER MAPPING FOR CURRENT_USER SERVER $1
  OPTIONS (aws_access_key_id '$MOCK_ACCESS_KEY',
           aws_secret_access_key '$MOCK_SECRET_KEY');
EOF
}

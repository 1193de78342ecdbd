# Shell helpers to run a throwaway PostgreSQL cluster and the mock Athena
# endpoint.  Source this file; call cleanup_all from an EXIT trap.
#
# Sets: WORK (temp dir), PGHOST, PGPORT, PGUSER, MOCK_PORT, MOCKCTL.

PYTHON=/usr/bin/python3
PG_CONFIG=${PG_CONFIG:-pg_config}
export PG_CONFIG
PG_BIN=$("$PG_CONFIG" --bindir)
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

make_workdir() {
	WORK=$(mktemp -d /tmp/athena_fdw.XXXXXX)
	chmod 755 "$WORK"
}

free_port() {
	$PYTHON -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_mock [extra mock args...]
start_mock() {
	rm -f "$WORK/mock.port"
	$PYTHON "$REPO/test/mock/mock_athena.py" --port 0 --port-file "$WORK/mock.port" \
		"$@" >"$WORK/mock.log" 2>&1 &
	MOCK_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$WORK/mock.port" ] && break
		sleep 0.1
	done
	if [ ! -s "$WORK/mock.port" ]; then
		echo "mock endpoint did not start:" >&2
		cat "$WORK/mock.log" >&2
		return 1
	fi
	MOCK_PORT=$(cat "$WORK/mock.port")
	MOCKCTL="$PYTHON $REPO/test/mock/mockctl.py --port $MOCK_PORT"
	export MOCK_PORT MOCKCTL
}

# mock_model_ok: true when every answer the mock sent since it started was
# on botocore's model (test/mock/model_check.py; answers broken on purpose
# are counted apart); else prints the violations to stderr.
mock_model_ok() {
	local out
	out=$($MOCKCTL model --check 2>&1)
	local rc=$?
	[ $rc -eq 0 ] || printf 'mock answers off the model:\n%s\n' "$out" >&2
	return $rc
}

stop_mock() {
	if [ -n "${MOCK_PID:-}" ]; then
		kill "$MOCK_PID" 2>/dev/null || true
		wait "$MOCK_PID" 2>/dev/null || true
		MOCK_PID=
	fi
}

# start_cluster [postgresql.conf lines...]
#
# POSTGRES_WRAPPER, when set, is a program pg_ctl starts instead of
# postgres (test/valgrind/run.sh: postgres under valgrind), given
# PG_START_SECONDS (default 60) to come up; STOP_MODE (default immediate)
# is how stop_cluster stops it.
#
# The server sees none of the caller's AWS settings.  It runs with
# AWS_EC2_METADATA_DISABLED=true and HOME in the cluster's directory (no
# ~/.aws there), so no test reaches for 169.254.169.254 or a real profile;
# CLUSTER_ENV adds or overrides variables: "NAME=value ..." words, values
# without spaces (a test that points the metadata endpoint at the mock sets
# AWS_EC2_METADATA_DISABLED=false there).
start_cluster() {
	local pgdir="$WORK/pg"
	PGDATA_DIR="$pgdir/data"
	PG_LOG="$pgdir/postgres.log"
	mkdir -p "$pgdir/socket"
	chown -R postgres:postgres "$pgdir"
	runuser -u postgres -- "$PG_BIN/initdb" -D "$PGDATA_DIR" -E UTF8 \
		--locale=C.UTF-8 -A trust >"$WORK/initdb.log" 2>&1 || {
		cat "$WORK/initdb.log" >&2
		return 1
	}
	PGPORT=$(free_port)
	{
		echo "port = $PGPORT"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$pgdir/socket'"
		echo "fsync = off"
		for line in "$@"; do echo "$line"; done
	} >>"$PGDATA_DIR/postgresql.conf"
	PGHOST="$pgdir/socket"
	PGUSER=postgres
	export PGHOST PGPORT PGUSER
	pg_ctl_start
}

# Starts the cluster's server with the environment described above.
pg_ctl_start() {
	local unset=() name
	for name in $(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p'); do
		unset+=(-u "$name")
	done
	# shellcheck disable=SC2086
	runuser -u postgres -- env "${unset[@]}" AWS_EC2_METADATA_DISABLED=true \
		HOME="$(dirname "$PGDATA_DIR")" ${CLUSTER_ENV:-} \
		"$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" \
		${POSTGRES_WRAPPER:+-p "$POSTGRES_WRAPPER"} -t "${PG_START_SECONDS:-60}" \
		-w start >/dev/null || {
		cat "$PG_LOG" >&2
		return 1
	}
	CLUSTER_STARTED=1
}

# restart_cluster: the same cluster, started again with today's CLUSTER_ENV.
restart_cluster() {
	stop_cluster
	pg_ctl_start
}

# For servers started by other tools (pg_virtualenv): the same isolation in
# this shell's environment, which they inherit.  No HOME change here: the
# shared credentials file is pointed at a file that does not exist instead.
isolate_aws_env() {
	local name
	for name in $(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p'); do
		unset "$name"
	done
	export AWS_EC2_METADATA_DISABLED=true
	export AWS_SHARED_CREDENTIALS_FILE="$WORK/no-shared-credentials-file"
}

stop_cluster() {
	if [ -n "${CLUSTER_STARTED:-}" ]; then
		runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" \
			-m "${STOP_MODE:-immediate}" -t 300 -w stop >/dev/null 2>&1 || true
		CLUSTER_STARTED=
	fi
}

# run_regress OUTDIR: the pg_regress suite ("make installcheck") against
# the running cluster and mock; results and diffs go to OUTDIR.
run_regress() {
	mkdir -p "$1"
	make -C "$REPO" -s installcheck EXTRA_REGRESS_OPTS="--outputdir=$1"
}

cleanup_all() {
	stop_cluster
	stop_mock
	if [ -n "${WORK:-}" ] && [ -z "${KEEP_WORKDIR:-}" ]; then
		rm -rf "$WORK"
	fi
}

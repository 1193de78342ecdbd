#!/usr/bin/env bash
# The credential chain of the server process, link by link, against the
# mock's identity endpoints (test/mock/identity.py): environment keys, web
# identity, the shared credentials file (named and default path, profiles),
# container credentials, IMDSv2; AssumeRole over the chain; the superuser
# rule with ambient_credentials; TLS against a test CA made here with
# openssl, with and without ca_file; and a sweep of every output (client at
# DEBUG5, EXPLAIN VERBOSE ANALYZE, failing queries, the server log at DEBUG5)
# for every secret and token used.
#
# Starts its own mocks and cluster (the server's environment differs per
# link: restart_cluster with CLUSTER_ENV), and stops them on exit.
set -uo pipefail

cd "$(dirname "$0")/../.."
. test/lib/tap.sh
. test/lib/cluster.sh

make_workdir
TLS_PID=
cleanup() {
	[ -n "$TLS_PID" ] && kill "$TLS_PID" 2>/dev/null && wait "$TLS_PID" 2>/dev/null
	cleanup_all
}
trap cleanup EXIT

OUT=$WORK/out					# every client output, for the sweep
mkdir -p "$OUT"
start_mock || { echo "Bail out! mock"; exit 1; }
MOCK=http://127.0.0.1:$MOCK_PORT
start_cluster "log_min_messages = debug5" || { echo "Bail out! cluster"; exit 1; }
PSQL="$PG_BIN/psql -X -q -At -v ON_ERROR_STOP=0 -d postgres"
STATIC_SECRET='mock/static/SECRET+key0123456789abcdefEXAMPLE'
TEMP_SECRET='mock/temp/SECRET+key0123456789abcdefEXAMPLE'
TEMP_TOKEN='mock-session-token/EXAMPLE+0123456789=='
WEB_TOKEN=$($PYTHON -c 'import sys; sys.path.insert(0, "test/mock"); import identity; print(identity.WEB_IDENTITY_TOKEN)')
CONTAINER_TOKEN=$($PYTHON -c 'import sys; sys.path.insert(0, "test/mock"); import identity; print(identity.CONTAINER_TOKEN)')
n_out=0

# sql NAME SQL...: runs SQL as postgres with the client at DEBUG5, keeps
# everything it printed, and prints the result rows (no DEBUG lines).
sql() {
	local name=$1
	shift
	n_out=$((n_out + 1))
	PGOPTIONS="-c client_min_messages=debug5" $PSQL -c "$*" \
		>"$OUT/$n_out-$name.out" 2>"$OUT/$n_out-$name.err"
	cat "$OUT/$n_out-$name.out"
}
# three queries in one session: one line "IDLE IDLE BUSY" on success
three() {
	sql "$1" "SELECT state FROM s WHERE session_id = 's-idle'" \
		"; SELECT state FROM s WHERE session_id = 's-idle'" \
		"; SELECT state FROM s WHERE session_id = 's-busy'" | tr '\n' ' ' | sed 's/ $//'
}
# the ERROR line a query printed
error_of() { grep -m1 '^ERROR' "$OUT/$n_out-$1.err"; }
icount() { $MOCKCTL identity count "$1"; }
with_env() { CLUSTER_ENV="$*"; restart_cluster >/dev/null || echo "Bail out! restart"; }

$PSQL >/dev/null <<EOF || { echo "Bail out! setup"; exit 1; }
SET log_min_messages = warning;
CREATE EXTENSION athena_fdw;
CREATE SERVER mock FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint '$MOCK', sts_endpoint '$MOCK', max_retries '0');
CREATE USER MAPPING FOR postgres SERVER mock;
CREATE FOREIGN TABLE s (session_id text, state text) SERVER mock;
CREATE ROLE athena_carol LOGIN;
CREATE ROLE athena_dave LOGIN;
GRANT USAGE ON FOREIGN SERVER mock TO athena_carol, athena_dave;
GRANT SELECT ON s TO athena_carol, athena_dave;
CREATE USER MAPPING FOR athena_carol SERVER mock OPTIONS (ambient_credentials 'true');
CREATE USER MAPPING FOR athena_dave SERVER mock;
EOF

# --- nothing configured: metadata disabled by default, no request at all ---
$MOCKCTL reset
sql none "SELECT state FROM s WHERE session_id = 's-idle'" >/dev/null
error_of none | grep -q 'no AWS credentials for server "mock"'
ok $? "no link configured: an ERROR naming the server"
ok $(( $($MOCKCTL identity counts | wc -l) + $($MOCKCTL count) )) \
	"no link configured: no request to the mock, instance metadata not asked"

# --- environment keys ---
with_env "AWS_ACCESS_KEY_ID=AKIDMOCKSTATIC AWS_SECRET_ACCESS_KEY=$STATIC_SECRET"
$MOCKCTL reset
[ "$(three env)" = "IDLE IDLE BUSY" ]
ok $? "environment keys sign the calls"
[ "$($MOCKCTL last access_key_id)" = AKIDMOCKSTATIC ]
ok $? "environment keys: the access key sent is AWS_ACCESS_KEY_ID"
with_env "AWS_ACCESS_KEY_ID=ASIAMOCKTEMP AWS_SECRET_ACCESS_KEY=$TEMP_SECRET AWS_SESSION_TOKEN=$TEMP_TOKEN"
[ "$(three env_token)" = "IDLE IDLE BUSY" ]
ok $? "environment keys with AWS_SESSION_TOKEN"

# --- web identity (IRSA): unsigned AssumeRoleWithWebIdentity, cached ---
printf '%s\n' "$WEB_TOKEN" >"$WORK/web-token"
chmod 644 "$WORK/web-token"
$PSQL -c "ALTER SERVER mock OPTIONS (DROP sts_endpoint)" >/dev/null
with_env "AWS_WEB_IDENTITY_TOKEN_FILE=$WORK/web-token" \
	"AWS_ROLE_ARN=arn:aws:iam::123456789012:role/mock-web" \
	"AWS_ROLE_SESSION_NAME=irsa-check AWS_ENDPOINT_URL_STS=$MOCK"
$MOCKCTL reset
[ "$(three web)" = "IDLE IDLE BUSY" ]
ok $? "web identity: three queries answered"
[ "$(icount AssumeRoleWithWebIdentity)" = 1 ]
ok $? "web identity: one AssumeRoleWithWebIdentity for three queries (cache)"
[ "$($MOCKCTL identity last signed)" = False ] &&
	[ "$($MOCKCTL identity last role_session_name)" = irsa-check ]
ok $? "web identity: unsigned, AWS_ROLE_SESSION_NAME used, AWS_ENDPOINT_URL_STS honoured"
$MOCKCTL last access_key_id | grep -q '^ASIAMOCK'
ok $? "web identity: Athena signed with the role's temporary keys"
# STS's own transient error is a 400: its code, not its status, retries it
$PSQL -c "ALTER SERVER mock OPTIONS (SET max_retries '2')" >/dev/null
$MOCKCTL reset
$MOCKCTL identity sts-fault IDPCommunicationError 1
[ "$(sql web_idp "SELECT state FROM s WHERE session_id = 's-idle'")" = IDLE ] &&
	[ "$(icount sts_fault) $(icount AssumeRoleWithWebIdentity)" = "1 1" ]
ok $? "web identity: IDPCommunicationError (HTTP 400) retried once, then the row"
$MOCKCTL identity sts-fault InvalidIdentityToken 1
sql web_invalid "SELECT state FROM s WHERE session_id = 's-idle'" >/dev/null
[ "$(icount sts_fault) $(icount AssumeRoleWithWebIdentity)" = "2 1" ]
ok $? "web identity: InvalidIdentityToken (HTTP 400) is not retried"
$PSQL -c "ALTER SERVER mock OPTIONS (SET max_retries '0')" >/dev/null
printf 'not-the-token\n' >"$WORK/web-token"
$MOCKCTL reset
sql web_refused "SELECT state FROM s WHERE session_id = 's-idle'" >/dev/null
error_of web_refused | grep -q 'STS AssumeRoleWithWebIdentity failed for server "mock": InvalidIdentityToken'
ok $? "web identity: a refused token is an ERROR with STS's code"
$PSQL -c "ALTER SERVER mock OPTIONS (ADD sts_endpoint '$MOCK')" >/dev/null

# --- shared credentials file: named file, profiles, default path ---
mkdir -p "$WORK/aws"
cat >"$WORK/aws/credentials" <<EOF
[default]
aws_access_key_id = AKIDMOCKSTATIC
aws_secret_access_key = $STATIC_SECRET
[ops]
aws_access_key_id = ASIAMOCKTEMP
aws_secret_access_key = $TEMP_SECRET
aws_session_token = $TEMP_TOKEN
EOF
chmod -R a+rX "$WORK/aws"
with_env "AWS_SHARED_CREDENTIALS_FILE=$WORK/aws/credentials"
$MOCKCTL reset
[ "$(three file)" = "IDLE IDLE BUSY" ] && [ "$($MOCKCTL last access_key_id)" = AKIDMOCKSTATIC ]
ok $? "shared file: AWS_SHARED_CREDENTIALS_FILE, profile default"
$PSQL -c "ALTER USER MAPPING FOR postgres SERVER mock OPTIONS (ADD aws_profile 'ops')" >/dev/null
[ "$(three file_ops)" = "IDLE IDLE BUSY" ] && [ "$($MOCKCTL last access_key_id)" = ASIAMOCKTEMP ]
ok $? "shared file: the aws_profile option picks the profile (with its token)"
$PSQL -c "ALTER USER MAPPING FOR postgres SERVER mock OPTIONS (SET aws_profile 'missing')" >/dev/null
sql file_missing "SELECT state FROM s WHERE session_id = 's-idle'" >/dev/null
error_of file_missing | grep -q 'could not get AWS credentials for server "mock" from the AWS configuration files' &&
	grep -q "^DETAIL:  profile \"missing\" not found in \"[^\"]*/config\" or \"$WORK/aws/credentials\"\$" "$OUT/$n_out-file_missing.err"
ok $? "shared file: a missing profile is an ERROR naming both files"
$PSQL -c "ALTER USER MAPPING FOR postgres SERVER mock OPTIONS (DROP aws_profile)" >/dev/null
home=$(dirname "$PGDATA_DIR")
mkdir -p "$home/.aws"
cp "$WORK/aws/credentials" "$home/.aws/credentials"
chown -R postgres "$home/.aws"
with_env "AWS_PROFILE=ops"
[ "$(three file_home)" = "IDLE IDLE BUSY" ] && [ "$($MOCKCTL last access_key_id)" = ASIAMOCKTEMP ]
ok $? "shared file: ~/.aws/credentials of the server's OS user, AWS_PROFILE"
rm -rf "$home/.aws"

# --- container credentials (FULL_URI with a token file) ---
printf '%s\n' "$CONTAINER_TOKEN" >"$WORK/container-token"
chmod 644 "$WORK/container-token"
with_env "AWS_CONTAINER_CREDENTIALS_FULL_URI=$MOCK/container/auth" \
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$WORK/container-token"
$MOCKCTL reset
[ "$(three container)" = "IDLE IDLE BUSY" ]
ok $? "container credentials: three queries answered"
[ "$(icount container)" = 1 ] && [ "$(icount container_refused)" = 0 ]
ok $? "container credentials: one call for three queries, token accepted"
with_env "AWS_CONTAINER_CREDENTIALS_FULL_URI=$MOCK/container/auth" \
	"AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong-token"
sql container_refused "SELECT state FROM s WHERE session_id = 's-idle'" >/dev/null
error_of container_refused | grep -q 'from container credentials' &&
	grep -q 'HTTP status 401' "$OUT/$n_out-container_refused.err"
ok $? "container credentials: a refused token is an ERROR with the status"

# --- EC2 instance metadata, IMDSv2 ---
IMDS_ENV="AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT=$MOCK"
with_env "$IMDS_ENV"
$MOCKCTL reset
[ "$(three imds)" = "IDLE IDLE BUSY" ]
ok $? "instance metadata: three queries answered"
[ "$($MOCKCTL identity counts | tr '\n' ' ')" = "imds_credentials 1 imds_role 1 imds_token 1 " ]
ok $? "instance metadata: token PUT, role, credentials: one each for three queries"
sql imds_explain "EXPLAIN (VERBOSE, ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM s WHERE session_id = 's-idle'" >/dev/null
grep -q 'Foreign Scan' "$OUT/$n_out-imds_explain.out"
ok $? "instance metadata: EXPLAIN VERBOSE ANALYZE runs"

# --- AssumeRole over the ambient chain ---
$PSQL -c "ALTER USER MAPPING FOR postgres SERVER mock OPTIONS (ADD role_arn 'arn:aws:iam::123456789012:role/mock-monitor')" >/dev/null
$MOCKCTL reset
[ "$(three imds_role)" = "IDLE IDLE BUSY" ]
ok $? "AssumeRole over instance metadata: three queries answered"
imds_key=$($MOCKCTL identity issued access_key_id | head -1)
[ "$(icount AssumeRole)" = 1 ] && [ "$(icount imds_credentials)" = 1 ] &&
	[ "$($MOCKCTL identity last access_key_id)" = "$imds_key" ]
ok $? "AssumeRole over instance metadata: signed with the instance's keys, once"
$PSQL -c "ALTER USER MAPPING FOR postgres SERVER mock OPTIONS (SET role_arn 'arn:aws:iam::123456789012:role/mock-denied')" >/dev/null
sql role_denied "SELECT state FROM s WHERE session_id = 's-idle'" >/dev/null
error_of role_denied | grep -q 'STS AssumeRole failed for server "mock": AccessDenied'
ok $? "AssumeRole over instance metadata: a refused role is an ERROR with STS's code"
# a statement_timeout while STS does not answer: the call is abandoned
# cleanly inside the core, and the same session goes on working
$PYTHON -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(600)' >"$WORK/hang.port" &
HANG_PID=$!
for _ in $(seq 1 50); do [ -s "$WORK/hang.port" ] && break; sleep 0.1; done
$PSQL -c "ALTER USER MAPPING FOR postgres SERVER mock OPTIONS (SET role_arn 'arn:aws:iam::123456789012:role/mock-monitor')" \
	-c "ALTER SERVER mock OPTIONS (SET sts_endpoint 'http://127.0.0.1:$(cat "$WORK/hang.port")')" >/dev/null
n_out=$((n_out + 1))
PGOPTIONS="-c client_min_messages=debug5" $PSQL >"$OUT/$n_out-sts_hang.out" 2>"$OUT/$n_out-sts_hang.err" <<EOF
SET statement_timeout = '300ms';
SELECT state FROM s WHERE session_id = 's-idle';
RESET statement_timeout;
ALTER SERVER mock OPTIONS (SET sts_endpoint '$MOCK');
SELECT state FROM s WHERE session_id = 's-busy';
EOF
kill "$HANG_PID" 2>/dev/null
wait "$HANG_PID" 2>/dev/null
grep -q '^ERROR:  canceling statement due to statement timeout' "$OUT/$n_out-sts_hang.err" &&
	[ "$(cat "$OUT/$n_out-sts_hang.out")" = BUSY ]
ok $? "a statement_timeout during a hanging AssumeRole cancels it; the session goes on"
$PSQL -c "ALTER USER MAPPING FOR postgres SERVER mock OPTIONS (DROP role_arn)" >/dev/null

# --- non-superusers: only with ambient_credentials ---
$MOCKCTL reset
n_out=$((n_out + 1))
PGOPTIONS="-c client_min_messages=debug5" $PSQL -U athena_carol \
	-c "SELECT state FROM s WHERE session_id = 's-idle'" \
	>"$OUT/$n_out-carol.out" 2>"$OUT/$n_out-carol.err"
[ "$(cat "$OUT/$n_out-carol.out")" = IDLE ] && [ "$(icount imds_credentials)" = 1 ]
ok $? "a non-superuser's mapping with ambient_credentials uses the server's chain"
n_out=$((n_out + 1))
PGOPTIONS="-c client_min_messages=debug5" $PSQL -U athena_dave \
	-c "SELECT state FROM s WHERE session_id = 's-idle'" \
	>"$OUT/$n_out-dave.out" 2>"$OUT/$n_out-dave.err"
grep -q 'no AWS credentials for server "mock"' "$OUT/$n_out-dave.err" &&
	[ "$(icount imds_token)" = 1 ] && [ "$($MOCKCTL count)" = 1 ]
ok $? "a non-superuser without keys: an ERROR, and no request with the server's identity"

# --- a superuser on a non-superuser's server lends it no identity ---
$PSQL >/dev/null <<EOF
GRANT USAGE ON FOREIGN DATA WRAPPER athena_fdw TO athena_carol;
SET ROLE athena_carol;
CREATE SERVER carol_srv FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint '$MOCK', max_retries '0');
CREATE USER MAPPING FOR PUBLIC SERVER carol_srv;
RESET ROLE;
CREATE FOREIGN TABLE carol_s (session_id text, state text) SERVER carol_srv;
EOF
$MOCKCTL reset
sql lent "SELECT state FROM carol_s WHERE session_id = 's-idle'" >/dev/null
error_of lent | grep -q 'no AWS credentials for server "carol_srv"' &&
	grep -q 'HINT:  The AWS credentials of the PostgreSQL server are used only on servers a superuser owns' "$OUT/$n_out-lent.err" &&
	[ -z "$($MOCKCTL identity counts)" ] && [ "$($MOCKCTL count)" = 0 ]
ok $? "a superuser on a non-superuser's keyless server: an ERROR with a HINT, no metadata call, no request"
$PSQL -c "DROP SERVER carol_srv CASCADE" -c "REVOKE USAGE ON FOREIGN DATA WRAPPER athena_fdw FROM athena_carol" >/dev/null 2>&1

# --- header injection from fetched values: an ERROR naming the source ---
$MOCKCTL reset
$MOCKCTL identity inject imds_token
sql inject_imds "SELECT state FROM s WHERE session_id = 's-idle'" >/dev/null
error_of inject_imds | grep -q 'from instance metadata' &&
	grep -q 'holds a control character' "$OUT/$n_out-inject_imds.err" &&
	[ "$(icount imds_role)" = 0 ] && [ "$($MOCKCTL count)" = 0 ]
ok $? "instance metadata: a session token with CR LF is an ERROR, not sent on"
$MOCKCTL reset
$MOCKCTL identity inject token
sql inject_token "SELECT state FROM s WHERE session_id = 's-idle'" >/dev/null
error_of inject_token | grep -q 'from instance metadata' &&
	grep -q 'holds a control character' "$OUT/$n_out-inject_token.err" &&
	[ "$(icount imds_credentials)" = 1 ] && [ "$($MOCKCTL count)" = 0 ]
ok $? "instance metadata: credentials whose token holds CR LF are an ERROR, no Athena request"
$PSQL -c "ALTER USER MAPPING FOR postgres SERVER mock OPTIONS (ADD role_arn 'arn:aws:iam::123456789012:role/mock-monitor')" >/dev/null
$MOCKCTL reset
$MOCKCTL identity inject token:AssumeRole
sql inject_sts "SELECT state FROM s WHERE session_id = 's-idle'" >/dev/null
error_of inject_sts | grep -q 'STS AssumeRole' &&
	grep -q 'holds a control character' "$OUT/$n_out-inject_sts.err" &&
	[ "$(icount AssumeRole)" = 1 ] && [ "$($MOCKCTL count)" = 0 ]
ok $? "STS: an issued token with a line break is an ERROR, no Athena request"
$PSQL -c "ALTER USER MAPPING FOR postgres SERVER mock OPTIONS (DROP role_arn)" >/dev/null
$MOCKCTL identity inject none

# --- TLS: a private CA, with and without ca_file ---
bash test/mock/make_test_ca.sh "$WORK/tls" >/dev/null 2>&1
$PYTHON test/mock/mock_athena.py --port 0 --port-file "$WORK/tls-plain.port" \
	--tls-cert "$WORK/tls/server.pem" --tls-key "$WORK/tls/server.key" \
	--tls-port-file "$WORK/tls.port" >"$WORK/tls-mock.log" 2>&1 &
TLS_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/tls.port" ] && break; sleep 0.1; done
TLS_URL=https://127.0.0.1:$(cat "$WORK/tls.port")
$PSQL >/dev/null <<EOF
SET log_min_messages = warning;
CREATE SERVER tls_ca FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint '$TLS_URL', ca_file '$WORK/tls/ca.pem', max_retries '0');
CREATE SERVER tls_system FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (region 'us-east-1', endpoint '$TLS_URL', max_retries '0');
CREATE USER MAPPING FOR postgres SERVER tls_ca
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC', aws_secret_access_key '$STATIC_SECRET');
CREATE USER MAPPING FOR postgres SERVER tls_system
  OPTIONS (aws_access_key_id 'AKIDMOCKSTATIC', aws_secret_access_key '$STATIC_SECRET');
CREATE FOREIGN TABLE s_tls_ca (session_id text, state text) SERVER tls_ca;
CREATE FOREIGN TABLE s_tls_system (session_id text, state text) SERVER tls_system;
EOF
[ "$(sql tls_ca "SELECT state FROM s_tls_ca WHERE session_id = 's-idle'")" = IDLE ]
ok $? "TLS: https with ca_file naming the test CA works"
sql tls_system "SELECT state FROM s_tls_system WHERE session_id = 's-idle'" >/dev/null
error_of tls_system | grep -qi 'could not reach Athena.*certificate'
ok $? "TLS: without ca_file the test CA is not trusted: an ERROR about the certificate"

# --- the sweep: no secret or token anywhere ---
cat >"$WORK/secrets" <<EOF
$STATIC_SECRET
$TEMP_SECRET
$TEMP_TOKEN
$WEB_TOKEN
$CONTAINER_TOKEN
mock/issued/SECRET+
mock-issued-token/
mock-imds-session-
EOF
stop_cluster					# flushes the log
lines=$(cat "$OUT"/* "$PG_LOG" | wc -l)
[ "$lines" -gt 1000 ] && grep -q 'DEBUG:  athena_fdw: server "mock" uses AWS credentials' "$PG_LOG" &&
	grep -q 'Foreign Scan' "$OUT"/*imds_explain.out && grep -q '^ERROR' "$OUT"/*.err
ok $? "sweep: the outputs are real ($lines lines: DEBUG5, EXPLAIN, ERRORs, the server log)"
# PostgreSQL itself lists the postmaster's environment at DEBUG3 when it
# starts ("postmaster environment:", one tab-indented NAME=value line each):
# that is the server's own output, not athena_fdw's, and is left out.
grep -v -P '^\S+ \S+ UTC \[\d+\] DEBUG:  \t[A-Za-z_][A-Za-z0-9_]*=' "$PG_LOG" >"$WORK/log-without-env"
if grep -F -f "$WORK/secrets" "$OUT"/* "$WORK/log-without-env" >"$WORK/leaks"; then
	sed 's/^/# /' "$WORK/leaks" | head -5
	ok 1 "sweep: no secret key, session token, web identity or container token in any output"
else
	ok 0 "sweep: no secret key, session token, web identity or container token in any output"
fi

mock_model_ok
ok $? "every answer of this check's mock was on botocore's model"

tap_finish

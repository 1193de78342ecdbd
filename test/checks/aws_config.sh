#!/usr/bin/env bash
# The AWS CLI's configuration in the server process, against the mock's
# identity endpoints (test/mock/identity.py): a config-only profile and its
# region, precedence over the environment, role profiles (a source_profile
# chain of two, a cycle, credential_source Environment and EcsContainer,
# web_identity_token_file in a profile), credential_process (success and its
# cache, failure, timeout, cancel killing it), SSO (a fresh and an expired
# cached token), endpoints (AWS_ENDPOINT_URL_ATHENA, a services section,
# FIPS, dual-stack, each partition's host names), the remembered instance
# metadata miss, and a sweep of every output for every secret used.
#
# Starts its own mock and cluster (the server's environment differs per
# case: restart_cluster with CLUSTER_ENV), and stops them on exit.
set -uo pipefail

cd "$(dirname "$0")/../.."
. test/lib/tap.sh
. test/lib/cluster.sh

make_workdir
trap cleanup_all EXIT

OUT=$WORK/out
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
HOME_DIR=$(dirname "$PGDATA_DIR")

sql() {
	local name=$1
	shift
	PGOPTIONS="-c client_min_messages=debug5" $PSQL -c "$*" \
		>"$OUT/$name.out" 2>"$OUT/$name.err"
	cat "$OUT/$name.out"
}
three() {
	sql "$1" "SELECT state FROM ${2:-s} WHERE session_id = 's-idle'" \
		"; SELECT state FROM ${2:-s} WHERE session_id = 's-idle'" \
		"; SELECT state FROM ${2:-s} WHERE session_id = 's-busy'" | tr '\n' ' ' | sed 's/ $//'
}
error_of() { grep -m1 "^ERROR" "$OUT/$1.err"; }
detail_of() { grep -m1 "^DETAIL" "$OUT/$1.err"; }
icount() { $MOCKCTL identity count "$1"; }
with_env() { CLUSTER_ENV="$*"; restart_cluster >/dev/null || echo "Bail out! restart"; }
profile() { $PSQL -c "ALTER USER MAPPING FOR postgres SERVER mock OPTIONS (SET aws_profile '$1')" >/dev/null; }

mkdir -p "$HOME_DIR/.aws" "$WORK/bin"
printf '%s\n' "$WEB_TOKEN" >"$WORK/web-token"
printf '%s\n' "$CONTAINER_TOKEN" >"$WORK/container-token"

# credential_process helpers: each appends a line to a file per run
expiration=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
cat >"$WORK/bin/helper" <<EOF
#!/bin/sh
echo run >>"$WORK/bin/runs"
printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s", "SessionToken": "%s", "Expiration": "%s"}\n' \\
	ASIAMOCKTEMP '$TEMP_SECRET' '$TEMP_TOKEN' '$expiration'
EOF
cat >"$WORK/bin/failing" <<EOF
#!/bin/sh
printf '{"Version": 1, "AccessKeyId": "AKIDMOCKSTATIC", "SecretAccessKey": "%s"}\n' '$STATIC_SECRET'
echo 'aws_signing_helper: no matching trust anchor' >&2
echo 'second line of stderr' >&2
exit 7
EOF
cat >"$WORK/bin/sleeper" <<EOF
#!/bin/sh
echo \$\$ >"$WORK/bin/sleeper.pid"
exec sleep 60
EOF
chmod 755 "$WORK/bin"/*

cat >"$HOME_DIR/.aws/config" <<EOF
# the profiles of this check
[default]
region = us-east-1

[profile monitor]
region = us-east-1
aws_access_key_id = AKIDMOCKSTATIC
aws_secret_access_key = $STATIC_SECRET
s3 =
    addressing_style = path

[profile first]
role_arn = arn:aws:iam::123456789012:role/mock-first
source_profile = monitor
role_session_name = first-hop

[profile second]
role_arn = arn:aws:iam::123456789012:role/mock-second
source_profile = first
role_session_name = second-hop

[profile loop-a]
role_arn = arn:aws:iam::123456789012:role/mock-a
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::123456789012:role/mock-b
source_profile = loop-a

[profile from-env]
role_arn = arn:aws:iam::123456789012:role/mock-env
credential_source = Environment

[profile from-container]
role_arn = arn:aws:iam::123456789012:role/mock-task-role
credential_source = EcsContainer
external_id = mock-external-id

[profile web]
role_arn = arn:aws:iam::123456789012:role/mock-web
web_identity_token_file = $WORK/web-token
role_session_name = web-profile

[profile process]
credential_process = "$WORK/bin/helper" --region us-east-1

[profile process-fails]
credential_process = $WORK/bin/failing

[profile process-hangs]
credential_process = $WORK/bin/sleeper
EOF
chown -R postgres "$HOME_DIR/.aws" "$WORK/bin"
chmod a+rx "$WORK/bin" "$WORK/bin"/*; chmod a+r "$WORK/web-token" "$WORK/container-token"

$PSQL >/dev/null <<EOF || { echo "Bail out! setup"; exit 1; }
SET log_min_messages = warning;
CREATE EXTENSION athena_fdw;
CREATE SERVER mock FOREIGN DATA WRAPPER athena_fdw
  OPTIONS (endpoint '$MOCK', sts_endpoint '$MOCK', max_retries '0');
CREATE USER MAPPING FOR postgres SERVER mock OPTIONS (aws_profile 'monitor');
CREATE FOREIGN TABLE s (session_id text, state text) SERVER mock;
EOF

# --- a profile only in the config file, and its region ---
$MOCKCTL reset
[ "$(three config_only)" = "IDLE IDLE BUSY" ] && [ "$($MOCKCTL last access_key_id)" = AKIDMOCKSTATIC ]
ok $? "config file: [profile monitor]'s keys sign the calls; the server has no region option: the profile's"
[ "$($MOCKCTL count)" = 3 ] && [ -z "$($MOCKCTL identity counts)" ]
ok $? "config file: three Athena calls, no identity call"
# the role profiles below have no region of their own
$PSQL -c "ALTER SERVER mock OPTIONS (ADD region 'us-east-1')" >/dev/null

# --- precedence: aws_profile removes the environment's keys ---
with_env "AWS_ACCESS_KEY_ID=AKIDNOTUSED AWS_SECRET_ACCESS_KEY=not/used"
$MOCKCTL reset
[ "$(three precedence)" = "IDLE IDLE BUSY" ] && [ "$($MOCKCTL last access_key_id)" = AKIDMOCKSTATIC ]
ok $? "precedence: aws_profile wins over AWS_ACCESS_KEY_ID in the server's environment"
$PSQL -c "ALTER USER MAPPING FOR postgres SERVER mock OPTIONS (DROP aws_profile)" >/dev/null
with_env "AWS_ACCESS_KEY_ID=ASIAMOCKTEMP AWS_SECRET_ACCESS_KEY=$TEMP_SECRET AWS_SECURITY_TOKEN=$TEMP_TOKEN AWS_PROFILE=monitor"
$MOCKCTL reset
[ "$(three security_token)" = "IDLE IDLE BUSY" ] && [ "$($MOCKCTL last access_key_id)" = ASIAMOCKTEMP ]
ok $? "precedence: AWS_PROFILE leaves the environment's keys first (botocore), AWS_SECURITY_TOKEN is the token"
with_env "AWS_PROFILE=absent"
sql profile_absent "SELECT state FROM s WHERE session_id = 's-idle'" >/dev/null
detail_of profile_absent | grep -q "^DETAIL:  profile \"absent\" not found in \"$HOME_DIR/.aws/config\" or \"$HOME_DIR/.aws/credentials\"$"
ok $? "precedence: AWS_PROFILE naming no profile is an ERROR naming both files"
$PSQL -c "ALTER USER MAPPING FOR postgres SERVER mock OPTIONS (ADD aws_profile 'monitor')" >/dev/null
with_env ""

# --- role profiles ---
profile second
$MOCKCTL reset
[ "$(three chain)" = "IDLE IDLE BUSY" ]
ok $? "role profile: a source_profile chain of two answers three queries"
first_key=$($MOCKCTL identity issued access_key_id | head -1)
[ "$(icount AssumeRole)" = 2 ] && [ "$($MOCKCTL identity last role_arn)" = arn:aws:iam::123456789012:role/mock-second ] &&
	[ "$($MOCKCTL identity last role_session_name)" = second-hop ] &&
	[ "$($MOCKCTL identity last access_key_id)" = "$first_key" ]
ok $? "role profile: two AssumeRole for three queries; the second signed with the first role's keys"
$MOCKCTL last access_key_id | grep -q "^$($MOCKCTL identity issued access_key_id | tail -1)$"
ok $? "role profile: Athena signed with the second role's keys"

profile loop-a
$MOCKCTL reset
sql cycle "SELECT state FROM s WHERE session_id = 's-idle'" >/dev/null
error_of cycle | grep -q 'could not get AWS credentials for server "mock" from a role profile' &&
	detail_of cycle | grep -q '^DETAIL:  the source_profile chain is a cycle: loop-a -> loop-b -> loop-a$' &&
	[ -z "$($MOCKCTL identity counts)" ]
ok $? "role profile: a cycle is an ERROR with its path, before any STS call"

profile from-env
with_env "AWS_ACCESS_KEY_ID=AKIDMOCKSTATIC AWS_SECRET_ACCESS_KEY=$STATIC_SECRET"
$MOCKCTL reset
[ "$(three from_env)" = "IDLE IDLE BUSY" ] && [ "$(icount AssumeRole)" = 1 ] &&
	[ "$($MOCKCTL identity last access_key_id)" = AKIDMOCKSTATIC ] &&
	[ "$($MOCKCTL identity last role_arn)" = arn:aws:iam::123456789012:role/mock-env ]
ok $? "role profile: credential_source Environment signs AssumeRole with the environment's keys, once"

profile from-container
with_env "AWS_CONTAINER_CREDENTIALS_FULL_URI=$MOCK/container/auth AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$WORK/container-token"
$MOCKCTL reset
[ "$(three from_container)" = "IDLE IDLE BUSY" ] &&
	[ "$($MOCKCTL identity counts | tr '\n' ' ')" = "AssumeRole 1 container 1 " ] &&
	[ "$($MOCKCTL identity last external_id)" = mock-external-id ]
ok $? "role profile: credential_source EcsContainer, external_id sent: one container call, one AssumeRole"

profile web
with_env ""
$MOCKCTL reset
[ "$(three web)" = "IDLE IDLE BUSY" ] && [ "$(icount AssumeRoleWithWebIdentity)" = 1 ] &&
	[ "$($MOCKCTL identity last role_session_name)" = web-profile ] &&
	[ "$($MOCKCTL identity last signed)" = False ]
ok $? "role profile: web_identity_token_file and role_arn in a profile: one unsigned AssumeRoleWithWebIdentity"

# --- credential_process ---
profile process
rm -f "$WORK/bin/runs"
$MOCKCTL reset
[ "$(three process)" = "IDLE IDLE BUSY" ] && [ "$($MOCKCTL last access_key_id)" = ASIAMOCKTEMP ] &&
	[ "$(wc -l <"$WORK/bin/runs")" = 1 ]
ok $? "credential_process: its keys sign the calls; run once for three queries (Expiration an hour out)"

profile process-fails
sql process_fails "SELECT state FROM s WHERE session_id = 's-idle'" >/dev/null
error_of process_fails | grep -q 'could not get AWS credentials for server "mock" from credential_process' &&
	detail_of process_fails | grep -q "^DETAIL:  \"$WORK/bin/failing\" exited with status 7: aws_signing_helper: no matching trust anchor$"
ok $? "credential_process: a failure is an ERROR with the exit status and stderr's first line"

profile process-hangs
$PSQL -c "ALTER SERVER mock OPTIONS (ADD request_timeout_ms '400')" >/dev/null
sql process_timeout "SELECT state FROM s WHERE session_id = 's-idle'" >/dev/null
detail_of process_timeout | grep -q "did not finish within 400 ms, and was killed" &&
	! kill -0 "$(cat "$WORK/bin/sleeper.pid")" 2>/dev/null
ok $? "credential_process: past request_timeout_ms it is killed, and the query fails"
$PSQL -c "ALTER SERVER mock OPTIONS (DROP request_timeout_ms)" >/dev/null
rm -f "$WORK/bin/sleeper.pid"
PGOPTIONS="-c client_min_messages=debug5" $PSQL >"$OUT/process_cancel.out" 2>"$OUT/process_cancel.err" <<EOF
SET statement_timeout = '500ms';
SELECT state FROM s WHERE session_id = 's-idle';
RESET statement_timeout;
ALTER USER MAPPING FOR postgres SERVER mock OPTIONS (SET aws_profile 'monitor');
SELECT state FROM s WHERE session_id = 's-busy';
EOF
grep -q '^ERROR:  canceling statement due to statement timeout' "$OUT/process_cancel.err" &&
	[ "$(cat "$OUT/process_cancel.out")" = BUSY ] &&
	[ -s "$WORK/bin/sleeper.pid" ] && ! kill -0 "$(cat "$WORK/bin/sleeper.pid")" 2>/dev/null
ok $? "credential_process: a cancel kills the process; the session goes on"

# --- SSO: the CLI's cached token, then GetRoleCredentials ---
SSO_TOKEN=$($PYTHON -c 'import sys; sys.path.insert(0, "test/mock"); import identity; print(identity.SSO_ACCESS_TOKEN)')
cat >>"$HOME_DIR/.aws/config" <<EOF

[profile sso-dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = AthenaReadOnly
region = us-east-1

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile sso-legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = AthenaReadOnly
EOF
mkdir -p "$HOME_DIR/.aws/sso/cache"
sso_file() { printf '%s/.aws/sso/cache/%s.json' "$HOME_DIR" "$(printf '%s' "$1" | sha1sum | cut -d' ' -f1)"; }
cat >"$(sso_file corp)" <<EOF
{"startUrl": "https://example.awsapps.com/start", "region": "us-east-1", "accessToken": "$SSO_TOKEN", "expiresAt": "$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%SZ)"}
EOF
cat >"$(sso_file https://legacy.awsapps.com/start)" <<EOF
{"startUrl": "https://legacy.awsapps.com/start", "region": "us-east-1", "accessToken": "$SSO_TOKEN", "expiresAt": "2020-01-01T00:00:00UTC"}
EOF
chown -R postgres "$HOME_DIR/.aws"
profile sso-dev
with_env "AWS_ENDPOINT_URL_SSO=$MOCK"
$MOCKCTL reset
[ "$(three sso)" = "IDLE IDLE BUSY" ] && [ "$($MOCKCTL identity counts | tr '\n' ' ')" = "GetRoleCredentials 1 " ] &&
	[ "$($MOCKCTL identity last role_name) $($MOCKCTL identity last account_id)" = "AthenaReadOnly 123456789012" ] &&
	$MOCKCTL last access_key_id | grep -q "^$($MOCKCTL identity issued access_key_id | tail -1)$"
ok $? "SSO: an sso_session profile with a fresh cached token: one GetRoleCredentials for three queries, its keys sign"
profile sso-legacy
$MOCKCTL reset
sql sso_expired "SELECT state FROM s WHERE session_id = 's-idle'" >/dev/null
error_of sso_expired | grep -q 'could not get AWS credentials for server "mock" from SSO$' &&
	detail_of sso_expired | grep -q "^DETAIL:  profile \"sso-legacy\": the cached SSO token \"$(sso_file https://legacy.awsapps.com/start)\" expired at 2020-01-01T00:00:00UTC$" &&
	grep -q '^HINT:  Run "aws sso login" as the operating system user of the PostgreSQL server' "$OUT/sso_expired.err" &&
	[ -z "$($MOCKCTL identity counts)" ]
ok $? "SSO: legacy sso_* keys with an expired token: an ERROR whose HINT says to run aws sso login; no call"
$PSQL -c "ALTER USER MAPPING FOR postgres SERVER mock OPTIONS (SET aws_profile 'monitor')" >/dev/null
with_env ""

# --- instance metadata: a miss is remembered ---
$PSQL -c "ALTER USER MAPPING FOR postgres SERVER mock OPTIONS (DROP aws_profile)" >/dev/null
with_env "AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT=$MOCK"
$MOCKCTL reset
$MOCKCTL identity imds-absent on
PGOPTIONS="-c client_min_messages=debug5" $PSQL >"$OUT/imds_miss.out" 2>"$OUT/imds_miss.err" <<EOF
SELECT state FROM s WHERE session_id = 's-idle';
SELECT state FROM s WHERE session_id = 's-idle';
SELECT state FROM s WHERE session_id = 's-busy';
EOF
[ "$(grep -c '^ERROR:  no AWS credentials for server "mock"' "$OUT/imds_miss.err")" = 3 ] &&
	[ "$($MOCKCTL identity counts | tr '\n' ' ')" = "imds_absent 1 " ] && [ "$($MOCKCTL count)" = 0 ]
ok $? "instance metadata: three queries without credentials ask it once (the miss is remembered)"
$MOCKCTL identity imds-absent off

# --- endpoints: the SDKs' order, FIPS, dual-stack, partitions ---
with_env "AWS_ENDPOINT_URL_ATHENA=$MOCK AWS_ENDPOINT_URL=http://127.0.0.1:9"
$PSQL >/dev/null <<EOF
CREATE SERVER env_ep FOREIGN DATA WRAPPER athena_fdw OPTIONS (region 'us-east-1', max_retries '0');
CREATE USER MAPPING FOR postgres SERVER env_ep OPTIONS (aws_profile 'monitor');
CREATE FOREIGN TABLE s_env (session_id text, state text) SERVER env_ep;
CREATE ROLE athena_erin LOGIN;
EOF
$MOCKCTL reset
[ "$(three endpoint_env s_env)" = "IDLE IDLE BUSY" ] && [ "$($MOCKCTL count)" = 3 ] &&
	grep -q "DEBUG:  athena_fdw: server \"env_ep\": the athena endpoint is $MOCK, from AWS_ENDPOINT_URL_ATHENA$" "$OUT/endpoint_env.err"
ok $? "endpoint: AWS_ENDPOINT_URL_ATHENA before AWS_ENDPOINT_URL; three calls to it"
cat >>"$HOME_DIR/.aws/config" <<EOF

[profile local]
aws_access_key_id = AKIDMOCKSTATIC
aws_secret_access_key = $STATIC_SECRET
services = mock-services
endpoint_url = http://127.0.0.1:9

[services mock-services]
athena =
  endpoint_url = $MOCK
EOF
$PSQL -c "ALTER USER MAPPING FOR postgres SERVER env_ep OPTIONS (SET aws_profile 'local')" >/dev/null
with_env ""
$MOCKCTL reset
[ "$(three endpoint_services s_env)" = "IDLE IDLE BUSY" ] && [ "$($MOCKCTL count)" = 3 ] &&
	grep -q "the athena endpoint is $MOCK, from the services section \"mock-services\" of the AWS config file$" "$OUT/endpoint_services.err"
ok $? "endpoint: a profile's services section before its endpoint_url"
with_env "AWS_ENDPOINT_URL_ATHENA=$MOCK"
$PSQL -c "ALTER SERVER env_ep OPTIONS (ADD use_fips_endpoint 'true')" >/dev/null
sql fips_custom "SELECT state FROM s_env WHERE session_id = 's-idle'" >/dev/null
error_of fips_custom | grep -q '^ERROR:  FIPS and a custom endpoint cannot be used together for server "env_ep"$' &&
	detail_of fips_custom | grep -q '^DETAIL:  The athena endpoint comes from AWS_ENDPOINT_URL_ATHENA\.$'
ok $? "endpoint: FIPS with a custom endpoint is an ERROR, as in the endpoint rules"
# the host names of the rules: logged before the keys are asked for; a
# mapping without keys for a non-superuser fails before any request
with_env ""
$PSQL >/dev/null <<EOF
ALTER SERVER env_ep OPTIONS (ADD use_dualstack_endpoint 'false');
GRANT USAGE ON FOREIGN SERVER env_ep TO athena_erin;
GRANT SELECT ON s_env TO athena_erin;
CREATE USER MAPPING FOR athena_erin SERVER env_ep;
EOF
$MOCKCTL reset
hosts=
for c in "us-east-1 true false" "us-gov-west-1 true false" "cn-north-1 false true" \
	"us-gov-east-1 true true" "us-iso-east-1 true false" "us-isob-east-1 false false"; do
	set -- $c
	$PSQL -c "ALTER SERVER env_ep OPTIONS (SET region '$1', SET use_fips_endpoint '$2', SET use_dualstack_endpoint '$3')" >/dev/null
	PGOPTIONS="-c client_min_messages=debug1" $PSQL -U athena_erin \
		-c "SELECT state FROM s_env WHERE session_id = 's-idle'" >"$OUT/rules-$1.out" 2>"$OUT/rules-$1.err"
	hosts="$hosts $(sed -n 's/^DEBUG:  athena_fdw: server "env_ep": the athena endpoint is \(\S*\), from the endpoint rules.*/\1/p' "$OUT/rules-$1.err")"
done
[ "$hosts" = " https://athena-fips.us-east-1.amazonaws.com https://athena-fips.us-gov-west-1.amazonaws.com https://athena.cn-north-1.api.amazonwebservices.com.cn https://athena-fips.us-gov-east-1.api.aws https://athena-fips.us-iso-east-1.c2s.ic.gov https://athena.us-isob-east-1.sc2s.sgov.gov" ] &&
	[ "$($MOCKCTL count)" = 0 ]
ok $? "endpoint: FIPS, dual-stack and the partitions' host names from the rules (no request made)"
$PSQL -c "ALTER SERVER env_ep OPTIONS (SET region 'us-isob-east-1', SET use_dualstack_endpoint 'true')" >/dev/null
PGOPTIONS="-c client_min_messages=debug1" $PSQL -U athena_erin \
	-c "SELECT state FROM s_env WHERE session_id = 's-idle'" >"$OUT/dual_iso.out" 2>"$OUT/dual_iso.err"
error_of dual_iso | grep -q '^ERROR:  no athena endpoint for server "env_ep" in region "us-isob-east-1"$' &&
	detail_of dual_iso | grep -q '^DETAIL:  DualStack is enabled but partition aws-iso-b does not support DualStack\.$'
ok $? "endpoint: dual-stack in a partition without it is an ERROR"

# --- the sweep: no secret anywhere ---
cat >"$WORK/secrets" <<EOF
$STATIC_SECRET
$TEMP_SECRET
$TEMP_TOKEN
$WEB_TOKEN
$CONTAINER_TOKEN
$SSO_TOKEN
mock/issued/SECRET+
mock-issued-token/
EOF
stop_cluster
grep -v -P '^\S+ \S+ UTC \[\d+\] DEBUG:  \t[A-Za-z_][A-Za-z0-9_]*=' "$PG_LOG" >"$WORK/log-without-env"
grep -q 'uses AWS credentials from the credential_process' "$PG_LOG" && grep -q '^ERROR' "$OUT"/*.err
ok $? "sweep: the outputs are real (DEBUG lines naming the sources, ERRORs)"
if grep -F -f "$WORK/secrets" "$OUT"/* "$WORK/log-without-env" >"$WORK/leaks"; then
	sed 's/^/# /' "$WORK/leaks" | head -5
	ok 1 "sweep: no secret key, session token or token in any output or the server log"
else
	ok 0 "sweep: no secret key, session token or token in any output or the server log"
fi

mock_model_ok
ok $? "every answer of this check's mock was on botocore's model"

tap_finish

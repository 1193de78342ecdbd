#!/usr/bin/env bash
# A read-only smoke test of athena_fdw against your own AWS account: what
# Athena answers, and whether the FDW handles it as it should.
#
#   make install            # the extension, into the PostgreSQL of pg_config
#   AWS_REGION=eu-west-1 scripts/aws-smoke.sh
#   AWS_REGION=eu-west-1 scripts/aws-smoke.sh --terminate SESSION_ID
#
# Credentials: the standard AWS chain of your shell (AWS_ACCESS_KEY_ID /
# AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE, the shared
# credentials file, ...), resolved by botocore.  Optional:
#   SMOKE_WORKGROUP   the workgroup to list (default: the first Spark one)
#   SMOKE_ENDPOINT    another Athena endpoint URL
#   SMOKE_MADE_UP_ID  the session id asked for (default: a random UUID)
#
# It starts a throwaway PostgreSQL cluster (as the postgres user, on a
# private socket; run it as root) and, by default, makes only read-only
# calls: ListWorkGroups, ListSessions, GetSession of the first session
# listed (the detail columns) and GetSessionStatus of a made-up id, each
# once directly (botocore) and once through the FDW.  These calls cost
# nothing.  With --terminate SESSION_ID, and only then, it also terminates
# that one session through the FDW (DELETE ... WHERE session_id = ...: one
# TerminateSession) and checks with botocore that Athena reports it ending.
# It prints what AWS answered, and for each a verdict; the exit status is 0
# when all match.  Your keys reach the throwaway cluster's user mapping
# only, and are never printed.
set -euo pipefail

TERMINATE_ID=
if [ "${1:-}" = --terminate ]; then
	TERMINATE_ID=${2:?usage: aws-smoke.sh [--terminate SESSION_ID]}
elif [ $# -gt 0 ]; then
	echo "usage: aws-smoke.sh [--terminate SESSION_ID]" >&2
	exit 2
fi

cd "$(dirname "$0")/.."
. test/lib/cluster.sh

REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
[ -n "$REGION" ] || { echo "aws-smoke: set AWS_REGION" >&2; exit 2; }
"$PG_CONFIG" --version >/dev/null

make_workdir
trap cleanup_all EXIT

# --- what Athena answers, asked directly ---
SMOKE_REGION=$REGION SMOKE_OUT="$WORK/raw" $PYTHON - <<'PY'
import json, os, sys, uuid
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError, NoCredentialsError

session = botocore.session.get_session()
creds = session.get_credentials()
if creds is None:
    sys.exit("aws-smoke: no AWS credentials found (set AWS_ACCESS_KEY_ID, "
             "AWS_PROFILE, ...)")
creds = creds.get_frozen_credentials()
client = session.create_client(
    "athena", region_name=os.environ["SMOKE_REGION"],
    endpoint_url=os.environ.get("SMOKE_ENDPOINT") or None,
    config=Config(retries={"max_attempts": 3, "mode": "standard"}))

def error_of(e):
    err = e.response.get("Error", {})
    return {"type": err.get("Code"), "message": err.get("Message"),
            "status": e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")}

out = {}
groups, kw = [], {}
while True:
    page = client.list_work_groups(**kw)
    groups += page.get("WorkGroups", [])
    if not page.get("NextToken"):
        break
    kw["NextToken"] = page["NextToken"]
spark = [g["Name"] for g in groups if g.get("State") == "ENABLED" and
         "Spark" in g.get("EngineVersion", {}).get("EffectiveEngineVersion", "")]
out["workgroups"] = len(groups)
out["spark"] = spark
wg = os.environ.get("SMOKE_WORKGROUP") or (spark[0] if spark else None)
out["workgroup"] = wg
if wg:
    try:
        page = client.list_sessions(WorkGroup=wg, MaxResults=100)
        out["first_page"] = len(page.get("Sessions", []))
        if page.get("Sessions"):
            out["listed_id"] = page["Sessions"][0]["SessionId"]
    except ClientError as e:
        out["list_error"] = error_of(e)
if out.get("listed_id"):
    # the detail columns: GetSession, as the FDW reads them
    try:
        r = client.get_session(SessionId=out["listed_id"])
        eng = r.get("EngineConfiguration", {})
        conf = r.get("SessionConfiguration", {})
        out["details"] = "|".join("" if v is None else str(v) for v in (
            eng.get("CoordinatorDpuSize"), eng.get("MaxConcurrentDpus"),
            eng.get("DefaultExecutorDpuSize"), conf.get("ExecutionRole"),
            conf.get("WorkingDirectory"), r.get("NotebookVersion"),
            r.get("WorkGroup")))
    except ClientError as e:
        out["details_error"] = error_of(e)
sid = os.environ.get("SMOKE_MADE_UP_ID") or str(uuid.uuid4())
out["made_up_id"] = sid
try:
    r = client.get_session_status(SessionId=sid)
    out["status"] = {"state": r.get("Status", {}).get("State")}
except ClientError as e:
    out["status_error"] = error_of(e)

with open(os.environ["SMOKE_OUT"] + ".json", "w") as f:
    json.dump(out, f)
# the keys go to the cluster's user mapping through psql variables only
with open(os.environ["SMOKE_OUT"] + ".keys", "w") as f:
    os.fchmod(f.fileno(), 0o600)
    f.write("%s\n%s\n%s\n" % (creds.access_key, creds.secret_key,
                              creds.token or ""))
PY

raw() {							# raw KEY: a field of the direct answers
	$PYTHON -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else (",".join(v) if isinstance(v, list) else v))' "$WORK/raw.json" "$1"
}

echo "ListWorkGroups: $(raw workgroups) workgroup(s); enabled Spark ones: $(raw spark)"
WG=$(raw workgroup)
if [ -n "$(raw list_error.type)" ]; then
	echo "ListSessions $WG: $(raw list_error.type): $(raw list_error.message)"
elif [ -n "$WG" ]; then
	echo "ListSessions $WG: $(raw first_page) session(s) on the first page of 100"
fi
ID=$(raw made_up_id)
if [ -n "$(raw status_error.type)" ]; then
	echo "GetSessionStatus $ID: HTTP $(raw status_error.status) $(raw status_error.type): $(raw status_error.message)"
else
	echo "GetSessionStatus $ID: a session in state $(raw status.state)"
fi

if [ -n "$(raw listed_id)" ]; then
	if [ -n "$(raw details_error.type)" ]; then
		echo "GetSession $(raw listed_id): $(raw details_error.type): $(raw details_error.message)"
	else
		echo "GetSession $(raw listed_id): $(raw details)"
	fi
fi

# --- the same through the FDW ---
start_cluster
{ read -r KEY_ID; read -r SECRET; read -r TOKEN; } <"$WORK/raw.keys"
rm -f "$WORK/raw.keys"
psql_smoke() {					# psql_smoke ARGS...: unaligned, errors to stdout
	"$PG_BIN/psql" -X -Atq -d postgres "$@" 2>&1
}
# terse: an error must not echo the statement, which holds the keys
SMOKE_KEY_ID=$KEY_ID SMOKE_SECRET=$SECRET SMOKE_TOKEN=$TOKEN \
	SMOKE_REGION=$REGION SMOKE_ENDPOINT=${SMOKE_ENDPOINT:-} \
	psql_smoke -v ON_ERROR_STOP=1 >"$WORK/setup.log" <<'SQL' || { cat "$WORK/setup.log" >&2; exit 1; }
\set VERBOSITY terse
\getenv key_id SMOKE_KEY_ID
\getenv secret SMOKE_SECRET
\getenv token SMOKE_TOKEN
\getenv region SMOKE_REGION
\getenv endpoint SMOKE_ENDPOINT
CREATE EXTENSION athena_fdw;
SELECT CASE WHEN :'endpoint' = '' THEN
  format('CREATE SERVER athena FOREIGN DATA WRAPPER athena_fdw OPTIONS (region %L)', :'region')
ELSE
  format('CREATE SERVER athena FOREIGN DATA WRAPPER athena_fdw OPTIONS (region %L, endpoint %L)',
         :'region', :'endpoint')
END \gexec
SELECT format('CREATE USER MAPPING FOR CURRENT_USER SERVER athena OPTIONS (%s)',
  concat_ws(', ', format('aws_access_key_id %L', :'key_id'),
            format('aws_secret_access_key %L', :'secret'),
            CASE WHEN :'token' <> '' THEN format('aws_session_token %L', :'token') END)) \gexec
IMPORT FOREIGN SCHEMA athena FROM SERVER athena INTO public;
SQL
unset KEY_ID SECRET TOKEN

matches=0
mismatches=0
verdict() {						# verdict ok|MISMATCH text
	echo "  $1: $2"
	if [ "$1" = ok ]; then matches=$((matches + 1)); else mismatches=$((mismatches + 1)); fi
}

# every Spark workgroup (ListWorkGroups, then ListSessions per workgroup)
FDW_ALL=$(psql_smoke -c "SELECT count(*) FROM athena_sessions")
if [[ "$FDW_ALL" =~ ^[0-9]+$ ]]; then
	verdict ok "the FDW listed every Spark workgroup: $FDW_ALL active session(s)"
else
	verdict MISMATCH "listing every Spark workgroup failed: $FDW_ALL"
fi

# one workgroup's first page
if [ -n "$WG" ]; then
	FDW_PAGE=$(psql_smoke -v wg="$WG" <<'SQL'
SELECT count(*) FROM (SELECT 1 FROM athena_sessions WHERE workgroup = :'wg' LIMIT 100) s;
SQL
)
	if [ -n "$(raw list_error.type)" ]; then
		if [ "$FDW_PAGE" = 0 ] && [[ "$(raw list_error.message)" == *Spark* ]]; then
			verdict ok "a workgroup refusing ListSessions for want of Spark lists nothing"
		else
			verdict MISMATCH "AWS refused ListSessions; the FDW said: $FDW_PAGE"
		fi
	elif [ "$FDW_PAGE" = "$(raw first_page)" ]; then
		verdict ok "the FDW's first page of $WG has the same $FDW_PAGE session(s)"
	else
		verdict MISMATCH "the first page of $WG: AWS $(raw first_page), the FDW $FDW_PAGE"
	fi
fi

# the detail columns of a listed session (GetSession)
LISTED=$(raw listed_id)
if [ -n "$LISTED" ]; then
	FDW_DETAILS=$(psql_smoke -v id="$LISTED" <<'SQL'
SELECT concat_ws('|', coalesce(coordinator_dpu_size::text, ''),
       coalesce(max_concurrent_dpus::text, ''),
       coalesce(default_executor_dpu_size::text, ''), coalesce(execution_role, ''),
       coalesce(working_directory, ''), coalesce(notebook_version, ''),
       coalesce(workgroup, ''))
  FROM athena_sessions WHERE session_id = :'id';
SQL
)
	if [ -n "$(raw details_error.type)" ]; then
		if [[ "$FDW_DETAILS" == *"$(raw details_error.type)"* ]]; then
			verdict ok "AWS refused GetSession ($(raw details_error.type)); the FDW reports the error"
		else
			verdict MISMATCH "AWS refused GetSession; the FDW said: $FDW_DETAILS"
		fi
	elif [ "$FDW_DETAILS" = "$(raw details)" ]; then
		verdict ok "the detail columns of $LISTED match GetSession"
	else
		verdict MISMATCH "the detail columns of $LISTED: AWS $(raw details), the FDW $FDW_DETAILS"
	fi
fi

# the made-up id: both not-found shapes must be no row, anything else an error
FDW_ID=$(psql_smoke -v id="$ID" <<'SQL'
SELECT count(*) FROM athena_sessions WHERE session_id = :'id';
SQL
)
TYPE=$(raw status_error.type)
MESSAGE=$(raw status_error.message)
if [ "$TYPE" = ResourceNotFoundException ] ||
	{ [ "$TYPE" = InvalidRequestException ] && [[ "$MESSAGE" == "Session "*" not found"* ]]; }; then
	if [ "$FDW_ID" = 0 ]; then
		verdict ok "AWS says the session does not exist ($TYPE); the FDW returns no row"
	else
		verdict MISMATCH "AWS says the session does not exist ($TYPE); the FDW said: $FDW_ID"
	fi
elif [ -n "$TYPE" ]; then
	if [[ "$FDW_ID" == *"$TYPE"* ]]; then
		verdict ok "AWS answers $TYPE, which is no \"not found\": the FDW reports the error"
	else
		verdict MISMATCH "AWS answers $TYPE: $MESSAGE; the FDW said: $FDW_ID"
	fi
elif [ "$FDW_ID" = 1 ]; then
	verdict ok "a session exists under the made-up id; the FDW returns it"
else
	verdict MISMATCH "a session exists under the made-up id; the FDW said: $FDW_ID"
fi

# only when asked: terminate the one session named, then ask Athena
if [ -n "$TERMINATE_ID" ]; then
	FDW_DELETED=$(psql_smoke -v id="$TERMINATE_ID" <<'SQL'
WITH gone AS (DELETE FROM athena_sessions WHERE session_id = :'id' RETURNING state)
SELECT count(*) || ' ' || coalesce(max(state), '-') FROM gone;
SQL
)
	AFTER=$(SMOKE_REGION=$REGION SMOKE_ID=$TERMINATE_ID $PYTHON - <<'PY'
import os
import botocore.session
from botocore.exceptions import ClientError
client = botocore.session.get_session().create_client(
    "athena", region_name=os.environ["SMOKE_REGION"],
    endpoint_url=os.environ.get("SMOKE_ENDPOINT") or None)
try:
    print(client.get_session_status(SessionId=os.environ["SMOKE_ID"])["Status"]["State"])
except ClientError as e:
    print(e.response.get("Error", {}).get("Code"))
PY
)
	echo "TerminateSession $TERMINATE_ID through the FDW: $FDW_DELETED; GetSessionStatus now: $AFTER"
	case "$FDW_DELETED $AFTER" in
		"1 "*" TERMINATING" | "1 "*" TERMINATED")
			verdict ok "the FDW terminated $TERMINATE_ID; Athena reports it $AFTER" ;;
		"0 - "*)
			verdict ok "$TERMINATE_ID was gone already (no row, nothing terminated): $AFTER" ;;
		*)
			verdict MISMATCH "terminating $TERMINATE_ID: the FDW said $FDW_DELETED, Athena says $AFTER" ;;
	esac
fi

echo "$matches match(es), $mismatches mismatch(es)"
[ "$mismatches" -eq 0 ]

#!/usr/bin/python3
"""Local mock of the Amazon Athena JSON 1.1 API: GetSessionStatus,
GetSession, ListSessions, ListWorkGroups, TerminateSession, and the
calculations' ListCalculationExecutions, GetCalculationExecution,
GetCalculationExecutionStatus, GetCalculationExecutionCode and
StopCalculationExecution.

Every athena_fdw test and benchmark talks to this process instead of AWS.
It listens on 127.0.0.1 only.  Run it with Debian's /usr/bin/python3 (it
needs python3-botocore for signature verification).

Usage
-----
    /usr/bin/python3 test/mock/mock_athena.py [--port N] [--port-file PATH]
        [--latency-ms N] [--region R] [--log PATH] [--max-skew-s S]
        [--quota-rps R [--quota-burst B]] [--dump-fixtures]

  --port N         TCP port (0 = any free port; default 0)
  --port-file P    after binding, atomically write the port number to P
  --latency-ms N   artificial latency added to every API request (default 0)
  --region R       the only region a credential scope may name (us-east-1)
  --log PATH       append one line per API request to PATH
  --max-skew-s S   reject X-Amz-Date further than S seconds from now, as AWS
                   does with 15 minutes (default 900; 0 disables the check)
  --quota-rps R    meter API requests as AWS does: a token bucket refilled
                   at R requests per second (a decimal number); a request
                   finding it empty is answered 400 ThrottlingException
                   "Rate exceeded" (default: no quota)
  --quota-burst B  the bucket's capacity (default R, at least 1); it starts
                   full
  --dump-fixtures  print every fixture's status and exact body, then exit

Answers held to botocore's model
--------------------------------
Every answer to an Athena API request, and every STS answer, is checked
against the operation's shapes in botocore's model before it is sent
(test/mock/model_check.py: member names, types, required members, enum
values, lengths; error members and the x-amzn-ErrorType header, which
every error answer carries).  Members AWS added after Debian's botocore
1.29 are in model_check.ADDED_MEMBERS, the one list of them.  An answer
off the model is still sent, logged to stderr and counted; answers broken
on purpose (the hostile-* fixtures, s-nulls, s-extra and s-future, the
faults garbage, oversized, redirect, html503, http429 and stream) are
counted apart as off_model.  The counts are never reset (stats key
"model": checked, off_model, violations, problems); `mockctl model
--check` fails when there was a violation, and test/run_all.sh and
test/lib/with_mock.sh fail the run then.

IMDSv2, container credentials and STS (AssumeRole signed for service sts,
AssumeRoleWithWebIdentity unsigned) are served on the same port: see
test/mock/identity.py.

Runs until SIGTERM/SIGINT and then exits with status 0.

Credentials (the only keys the mock accepts)
--------------------------------------------
    static     access key  AKIDMOCKSTATIC
               secret key  mock/static/SECRET+key0123456789abcdefEXAMPLE
    temporary  access key  ASIAMOCKTEMP
               secret key  mock/temp/SECRET+key0123456789abcdefEXAMPLE
               token       mock-session-token/EXAMPLE+0123456789==

Signature verification (done before anything else, like AWS)
-------------------------------------------------------------
The Authorization header must be
  AWS4-HMAC-SHA256 Credential=AKID/YYYYMMDD/REGION/athena/aws4_request,
  SignedHeaders=h1;h2;..., Signature=<64 hex>
The request is rebuilt from exactly the client's SignedHeaders (values as
received), the method, the path and the body, and the expected signature
is computed with botocore.auth.SigV4Auth using the request's own X-Amz-Date.
SignedHeaders must include host, x-amz-date, x-amz-target and content-type
(and x-amz-security-token when that header is sent).

  no / garbled Authorization    400 MissingAuthenticationTokenException
                                    "Missing Authentication Token"
  unknown access key            400 UnrecognizedClientException
                                    "The security token included in the
                                     request is invalid."
  temporary key, token missing  403 UnrecognizedClientException (same text)
    or wrong; static key with a token header: same
  issued key past its Expiration 400 ExpiredTokenException "The security
                                    token included in the request is expired"
  scope region != --region      403 InvalidSignatureException
                                    "Credential should be scoped to a valid
                                     region."
  scope service != athena       403 InvalidSignatureException
  required header not signed    403 InvalidSignatureException
  scope date != X-Amz-Date date 403 InvalidSignatureException
  X-Amz-Date too far from now   403 InvalidSignatureException
                                    "Signature expired: ..."
  wrong signature               403 InvalidSignatureException "The request
                                    signature we calculated does not match
                                    ..." (AWS's full text)

API responses always carry x-amzn-RequestId (uuid4) and
Content-Type: application/x-amz-json-1.1 (text/html for the HTML pages).

GetSessionStatus fixtures
-------------------------
See FIXTURES below: each entry is the exact body text the mock sends
(timestamps are the exact JSON number text shown).  In short:

  id             State         StateChangeReason          Start              LastModified     End           IdleSince
  s-idle         IDLE          -                          1700000000.123456  1700000100.5     -             1700000100.5
  s-busy         BUSY          -                          1700000200         1700000300.25    -             -
  s-creating     CREATING      -                          1700001000         -                -             -
  s-created      CREATED       -                          1700001000.000001  1700001001       -             -
  s-terminating  TERMINATING   Terminated by user         1700002000         1700002500       -             -
  s-terminated   TERMINATED    Session was terminated     1699990000.999999  1699999999.5     1699999999.5  -
                               by user request
  s-degraded     DEGRADED      Spark driver is unhealthy  1700003000         1700003100       -             -
  s-failed       FAILED        Session failed: out of     1700004000         1700004001       1700004001    -
                               memory
  s-exp          IDLE          -                          1.7000000001234567E9  17000000005e-1  -         1.7000000005E9
  s-future       HIBERNATING   -                          1700005000         -                -             -
  s-unicode      IDLE          Ünïcødé ✓ reason (UTF-8)   1700006000         -                -             -
  s-min          {"SessionId":"s-min","Status":{}}
  s-nulls        all six Status fields present as null
  s-extra        IDLE, Start 1700007000, plus "Foo":1 at top level and
                 "Bar":{"x":[1,2]} inside Status
  gen-<anything> IDLE, Start 1700000000, LastModified 1700000060,
                 IdleSince 1700000060 (SessionId echoed)

Hostile fixtures (200 unless stated):
  hostile-garbage          body: this is not json
  hostile-html             503 text/html <html><body>Service Unavailable</body></html>
  hostile-truncated        valid JSON cut in the middle
  hostile-empty            empty body
  hostile-wrongtype-number StartDateTime "yesterday"
  hostile-wrongtype-string State is an object
  hostile-nostatus         {"SessionId":"hostile-nostatus"} (on the model,
                           which makes Status optional; kept with the others)
  hostile-badutf8          StateChangeReason holds raw bytes \\xff\\xfe
  hostile-nul              StateChangeReason "a\\u0000b" (JSON escape)
  hostile-array            top-level JSON array
  hostile-oversized        valid JSON body of exactly 2 MiB
  hostile-redirect         302, Location: http://127.0.0.1:1/, empty body
  hostile-error-text       400, an error whose __type and message hold
                           control characters (newline, CR, tab, ESC
                           sequences, BEL, NEL) and non-ASCII text (café
                           Ünïcødé ✓ 日本 and an emoji), JSON-escaped

Any other id: 400 {"__type":"ResourceNotFoundException",
"Message":"Session <id> not found","ResourceName":"<id>"}.  Every
InvalidRequestException carries "AthenaErrorCode":"INVALID_INPUT" (what
AWS sends with a refused input); TooManyRequestsException carries
"Reason":"CONCURRENT_QUERY_LIMIT_EXCEEDED".  A body that is not a JSON object
with a string SessionId: 400 InvalidRequestException.  Any other
X-Amz-Target: 400 UnknownOperationException.

Both GetSessionStatus and GetSession also answer:
  vanished-<anything> 400 InvalidRequestException "Session ID <id> was not
                      found" (the second "not found" shape AWS may use)
  locked-<anything>   400 InvalidRequestException "The request could not be
                      processed: the session is locked"
  an id of 0 or more than 256 characters: 400 InvalidRequestException
GetSession answers the status fixtures above with their Status alone, and
the listed and generated sessions below with every field they have.

TerminateSession
----------------
Takes the same {"SessionId": id} body and knows the same sessions (status
fixtures, listed and generated ones), with the same error answers.  A
session in TERMINATED or FAILED answers 200 {"State": <that state>} and
stays as it is (Athena accepts terminating a finished session).  Any
other session answers 200 {"State":"TERMINATING"}, and from then on
GetSessionStatus, GetSession and ListSessions report it TERMINATED:
StateChangeReason "Session was terminated by user request", EndDateTime
and LastModifiedDateTime the time of the call, no IdleSinceDateTime (its
other timestamps are re-encoded, which may change their digits past the
microsecond).  Every 200 answer is recorded with its time and the state
the session had (stats key "terminations", mockctl "terminations"); reset
forgets them, and every session is as described here again.

The account (ListWorkGroups, ListSessions, GetSession)
-----------------------------------------------------
  workgroup         State     effective engine
  primary           ENABLED   Athena engine version 3  (SQL)
  spark-analytics   ENABLED   PySpark engine version 3
  spark-archive     DISABLED  PySpark engine version 3  (no sessions)
  spark-etl         ENABLED   PySpark engine version 3
  sql-reports       ENABLED   Athena engine version 3  (SQL)
  gen-<N>           (not in ListWorkGroups) N generated sessions
                    gen-<N>-00000 .. (5 digits), as gen-<anything> above

  session        workgroup        State       Start       details
  la-idle-1      spark-analytics  IDLE        1700100500  every field
  la-busy        spark-analytics  BUSY        1700100400  Statistics only
  la-idle-2      spark-analytics  IDLE        1700100300  none
  la-terminated  spark-analytics  TERMINATED  1700100200  none
  la-failed      spark-analytics  FAILED      1700100100  none
  le-idle        spark-etl        IDLE        1700100550  none
  le-creating    spark-etl        CREATING    1700100050  none
(LISTED_SESSIONS below has every value.)  ListSessions lists a workgroup
newest first; without StateFilter it leaves out TERMINATED and FAILED
sessions, with one it returns exactly that state.  Pages hold MaxResults
items (1..100; ListWorkGroups 1..50), capped by /_mock/page_size, and end
with a NextToken while more remain; a NextToken from another listing is an
InvalidRequestException.  ListSessions on a SQL workgroup: 400
InvalidRequestException "Workgroup EngineVersion is not Spark." (what
Athena answers StartSession there);
on an unknown one: 400 InvalidRequestException "WorkGroup <name> is not
found".

Control endpoints (unsigned, same port; never counted as API requests)
---------------------------------------------------------------------
  GET  /_mock/stats     counters and the last API request (JSON)
  POST /_mock/reset     zero counters, clear faults, latency = CLI value
                        (in_flight is a gauge and is kept; peak_in_flight
                        restarts from it)
  GET  /_mock/requests  {"requests": [{"op": OP, "body": TEXT}, ...]}: every
                        API request since the last reset, in arrival order
  POST /_mock/page_size {"op": "ListSessions", "size": 2}: at most size items
                        per page of op (0 = no cap); reset clears
  POST /_mock/latency   {"ms": 20}
  POST /_mock/quota     {"rps": 40, "burst": 40}: a new, full quota bucket
                        (burst defaults to max(1, rps); rps 0 = no quota);
                        reset restores the command line's
  POST /_mock/fault     {"kind": K, "count": N, "retry_after": S, "ms": N,
                         "location": URL, "append": false}
      count: requests affected (default 1, -1 = until reset/cleared).
      append=false (default) replaces the queue, true appends to it.
      kind "none" clears the queue.  Kinds:
        throttle  400 ThrottlingException "Rate exceeded"
        toomany   400 TooManyRequestsException "Too many requests"
        http429   429 {"message":"Too Many Requests"}, Retry-After: S if
                  retry_after is given
        http500   500 {"__type":"InternalServerException","Message":"internal"}
                  ("status": S: the same with another status)
        html503   503 text/html Service Unavailable page
        reset     connection closed with SO_LINGER 0 (RST), no response
        empty     connection closed (FIN), no response
        lost      the request is carried out (a Start starts), then the
                  connection closed (FIN) without the answer: the client
                  sees a network failure and retries
        hang      request read, never answered until the client goes away
        garbage   200 <<<not json>>>
        oversized 200, valid JSON of exactly 2 MiB ("bytes": N, and
                  "status": S for another status)
        redirect  302 Location: location (default http://127.0.0.1:1/)
        slow      sleep ms (default 1000) then answer normally
        stream    200 with Transfer-Encoding: chunked (no Content-Length):
                  8 MiB of valid JSON in 64 KiB chunks, ms (default 2)
                  apart, until done or the client goes away; stats key
                  stream_bytes_sent says how much of the body was sent
        denied    400 AccessDeniedException "User: arn:aws:iam::
                  123456789012:user/mock is not authorized to perform:
                  athena:<Operation>"
        gone      400 ResourceNotFoundException "Session <id> not found"
                  (the session vanished between two calls), ResourceName
                  the id; on a listing "WorkGroup <name> not found",
                  ResourceName the workgroup
        vanished  400 InvalidRequestException "Session ID <id> was not
                  found" (the same, in the other shape)
        misshaped 200 {"SessionId", "EngineVersion": {...}, "Status"}: a
                  GetSession answer off the model and NOT marked so, for
                  the self-test's proof that the model check counts it
      op: the fault only applies to requests of this operation (e.g.
          "TerminateSession"); others pass it by.
      skip: the first N requests the fault would apply to pass untouched.
Faults apply to API requests that passed the signature check, and those
requests are counted like any other.  So does the quota, which is checked
first (one bucket for every key, after the latency): a request it throttles
takes no fault and is counted in quota_throttled.  POST /_mock/quota with
"random": F (0 <= F < 1) also throttles that fraction of the requests at
random (a seeded generator), whatever their rate.

With --tls-cert and --tls-key the same endpoint is also served over TLS on
a second port (written to --tls-port-file), sharing counters and faults;
tls_handshake_failures counts the handshakes it refused.

Stats keys: requests, requests_by_op, connections, tcp_accepts, in_flight,
peak_in_flight, signature_failures, auth_failures_by_type, faults_injected,
faults_pending, quota ({"rps", "burst"} or null), quota_throttled,
stream_bytes_sent, response_bytes_by_op (bytes of the response bodies sent
for each operation's requests, the chunked "stream" fault excepted),
terminations (list of {"session_id",
"at" (epoch seconds), "previous_state"} in call order), latency_ms,
region, last_request
(method, path, header_names, signed_headers, access_key_id, user_agent,
target, body).
  connections counts TCP connections whose first request is an API request
  (the control tools' own connections are excluded); tcp_accepts counts all.
"""

import argparse
import calendar
import email.utils
import functools
import hashlib
import hmac
import json
import os
import random
import select
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import identity
import model_check
from botocore.auth import SigV4Auth
from botocore.credentials import Credentials

# ---------------------------------------------------------------------------
# Credentials
# ---------------------------------------------------------------------------
STATIC_ACCESS_KEY = "AKIDMOCKSTATIC"
STATIC_SECRET_KEY = "mock/static/SECRET+key0123456789abcdefEXAMPLE"
TEMP_ACCESS_KEY = "ASIAMOCKTEMP"
TEMP_SECRET_KEY = "mock/temp/SECRET+key0123456789abcdefEXAMPLE"
TEMP_SESSION_TOKEN = "mock-session-token/EXAMPLE+0123456789=="

# access key -> (secret, required session token or None)
KEYS = {
    STATIC_ACCESS_KEY: (STATIC_SECRET_KEY, None),
    TEMP_ACCESS_KEY: (TEMP_SECRET_KEY, TEMP_SESSION_TOKEN),
}

SERVICE = "athena"
TARGET_PREFIX = "AmazonAthena."
JSON_CT = "application/x-amz-json-1.1"
REQUIRED_SIGNED = ("content-type", "host", "x-amz-date", "x-amz-target")

# ---------------------------------------------------------------------------
# Fixtures: session id -> exact response body text (GetSessionStatus)
# ---------------------------------------------------------------------------


def _status_body(sid, fields, extra_top="", extra_status=""):
    """fields: list of (name, raw JSON value text), emitted verbatim."""
    parts = ['"%s":%s' % (k, v) for k, v in fields]
    if extra_status:
        parts.append(extra_status)
    top = '{"SessionId":%s,' % json.dumps(sid)
    if extra_top:
        top += extra_top + ","
    return top + '"Status":{' + ",".join(parts) + "}}"


def _s(text):
    return json.dumps(text, ensure_ascii=False)


FIXTURES = {
    "s-idle": _status_body("s-idle", [
        ("State", '"IDLE"'),
        ("StartDateTime", "1700000000.123456"),
        ("LastModifiedDateTime", "1700000100.5"),
        ("IdleSinceDateTime", "1700000100.5")]),
    "s-busy": _status_body("s-busy", [
        ("State", '"BUSY"'),
        ("StartDateTime", "1700000200"),
        ("LastModifiedDateTime", "1700000300.25")]),
    "s-creating": _status_body("s-creating", [
        ("State", '"CREATING"'),
        ("StartDateTime", "1700001000")]),
    "s-created": _status_body("s-created", [
        ("State", '"CREATED"'),
        ("StartDateTime", "1700001000.000001"),
        ("LastModifiedDateTime", "1700001001")]),
    "s-terminating": _status_body("s-terminating", [
        ("State", '"TERMINATING"'),
        ("StateChangeReason", _s("Terminated by user")),
        ("StartDateTime", "1700002000"),
        ("LastModifiedDateTime", "1700002500")]),
    "s-terminated": _status_body("s-terminated", [
        ("State", '"TERMINATED"'),
        ("StateChangeReason", _s("Session was terminated by user request")),
        ("StartDateTime", "1699990000.999999"),
        ("LastModifiedDateTime", "1699999999.5"),
        ("EndDateTime", "1699999999.5")]),
    "s-degraded": _status_body("s-degraded", [
        ("State", '"DEGRADED"'),
        ("StateChangeReason", _s("Spark driver is unhealthy")),
        ("StartDateTime", "1700003000"),
        ("LastModifiedDateTime", "1700003100")]),
    "s-failed": _status_body("s-failed", [
        ("State", '"FAILED"'),
        ("StateChangeReason", _s("Session failed: out of memory")),
        ("StartDateTime", "1700004000"),
        ("LastModifiedDateTime", "1700004001"),
        ("EndDateTime", "1700004001")]),
    "s-exp": _status_body("s-exp", [
        ("State", '"IDLE"'),
        ("StartDateTime", "1.7000000001234567E9"),
        ("LastModifiedDateTime", "17000000005e-1"),
        ("IdleSinceDateTime", "1.7000000005E9")]),
    "s-future": _status_body("s-future", [
        ("State", '"HIBERNATING"'),
        ("StartDateTime", "1700005000")]),
    "s-unicode": _status_body("s-unicode", [
        ("State", '"IDLE"'),
        ("StateChangeReason", _s("Ünïcødé ✓ reason")),
        ("StartDateTime", "1700006000")]),
    "s-min": '{"SessionId":"s-min","Status":{}}',
    "s-nulls": _status_body("s-nulls", [
        ("State", "null"),
        ("StateChangeReason", "null"),
        ("StartDateTime", "null"),
        ("LastModifiedDateTime", "null"),
        ("EndDateTime", "null"),
        ("IdleSinceDateTime", "null")]),
    "s-extra": _status_body("s-extra", [
        ("State", '"IDLE"'),
        ("StartDateTime", "1700007000")],
        extra_top='"Foo":1', extra_status='"Bar":{"x":[1,2]}'),
}

# Template for generated ids ("gen-..."); %s is the JSON-encoded id.
GEN_TEMPLATE = ('{"SessionId":%s,"Status":{"State":"IDLE",'
                '"StartDateTime":1700000000,"LastModifiedDateTime":1700000060,'
                '"IdleSinceDateTime":1700000060}}')

HTML_503 = b"<html><body>Service Unavailable</body></html>"
# An AWS error whose type and message carry control characters (newline,
# CR, tab, ESC sequences, BEL, C1 NEL) and non-ASCII text: Latin-1 letters,
# a check mark, Japanese, an emoji.
ERROR_TEXT_BODY = json.dumps({
    "__type": "Bad\x1b[31mInput\nException",
    "message": "line one\nline two\r\n\x1b[2Jtab\there \x07bell \x85nel "
               "caf\u00e9 \u00dcn\u00efc\u00f8d\u00e9 \u2713 \u65e5\u672c "
               "\U0001f600 end"}).encode()
REDIRECT_LOCATION = "http://127.0.0.1:1/"
OVERSIZE_BYTES = 2 * 1024 * 1024


def oversized_body(sid, size=OVERSIZE_BYTES):
    """A valid JSON GetSessionStatus body of exactly size bytes."""
    head = ('{"SessionId":%s,"Status":{"State":"IDLE","StartDateTime":'
            '1700000000,"StateChangeReason":"' % json.dumps(sid)).encode()
    tail = b'"}}'
    pad = size - len(head) - len(tail)
    return head + b"x" * pad + tail


# Hostile fixtures: id -> (status, content type, body bytes, extra headers)
HOSTILE = {
    "hostile-garbage": (200, JSON_CT, b"this is not json", ()),
    "hostile-html": (503, "text/html", HTML_503, ()),
    "hostile-truncated": (200, JSON_CT,
                          b'{"SessionId":"hostile-truncated","Status":'
                          b'{"State":"IDLE","StartDateTime":17000', ()),
    "hostile-empty": (200, JSON_CT, b"", ()),
    "hostile-wrongtype-number": (200, JSON_CT,
                                 b'{"SessionId":"hostile-wrongtype-number",'
                                 b'"Status":{"State":"IDLE",'
                                 b'"StartDateTime":"yesterday"}}', ()),
    "hostile-wrongtype-string": (200, JSON_CT,
                                 b'{"SessionId":"hostile-wrongtype-string",'
                                 b'"Status":{"State":{"Value":"IDLE"},'
                                 b'"StartDateTime":1700000000}}', ()),
    "hostile-nostatus": (200, JSON_CT, b'{"SessionId":"hostile-nostatus"}',
                         ()),
    "hostile-badutf8": (200, JSON_CT,
                        b'{"SessionId":"hostile-badutf8","Status":'
                        b'{"State":"FAILED","StateChangeReason":'
                        b'"bad \xff\xfe bytes","StartDateTime":1700000000}}',
                        ()),
    "hostile-nul": (200, JSON_CT,
                    b'{"SessionId":"hostile-nul","Status":{"State":"FAILED",'
                    b'"StateChangeReason":"a\\u0000b",'
                    b'"StartDateTime":1700000000}}', ()),
    "hostile-array": (200, JSON_CT,
                      b'[{"SessionId":"hostile-array","Status":'
                      b'{"State":"IDLE","StartDateTime":1700000000}}]', ()),
    "hostile-oversized": (200, JSON_CT, oversized_body("hostile-oversized"),
                          ()),
    "hostile-redirect": (302, JSON_CT, b"",
                         (("Location", REDIRECT_LOCATION),)),
    "hostile-error-text": (400, JSON_CT, ERROR_TEXT_BODY, ()),
}

FIXTURE_BYTES = {k: v.encode("utf-8") for k, v in FIXTURES.items()}

# ---------------------------------------------------------------------------
# The account behind ListWorkGroups, ListSessions and GetSession
# ---------------------------------------------------------------------------
SPARK_ENGINE = "PySpark engine version 3"
SQL_ENGINE = "Athena engine version 3"
NOTEBOOK = "Athena notebook version 1"

# name -> (State, effective engine); ListWorkGroups sends them in this order
WORKGROUPS = [
    ("primary", "ENABLED", SQL_ENGINE),
    ("spark-analytics", "ENABLED", SPARK_ENGINE),
    ("spark-archive", "DISABLED", SPARK_ENGINE),
    ("spark-etl", "ENABLED", SPARK_ENGINE),
    ("sql-reports", "ENABLED", SQL_ENGINE),
]
WORKGROUP_INFO = {name: (state, engine) for name, state, engine in WORKGROUPS}

# Without a StateFilter, ListSessions answers with the sessions still alive.
ENDED_STATES = ("TERMINATED", "FAILED")


def _listed(sid, wg, status, description=None, details=None):
    return {"SessionId": sid, "WorkGroup": wg, "Status": status,
            "Description": description, "Details": details}


# Every field GetSession can return, for one session.
FULL_DETAILS = {
    "EngineConfiguration": {
        "CoordinatorDpuSize": 1, "MaxConcurrentDpus": 20,
        "DefaultExecutorDpuSize": 1,
        "AdditionalConfigs": {"NotebookId": "nb-7f3a"},
        "SparkProperties": {"spark.executor.memory": "4g",
                            "spark.sql.shuffle.partitions": "200"}},
    "SessionConfiguration": {
        "ExecutionRole": "arn:aws:iam::123456789012:role/AthenaSpark",
        "WorkingDirectory": "s3://athena-spark-bucket/analytics/la-idle-1/",
        "IdleTimeoutSeconds": 900,
        "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"}},
    "Statistics": {"DpuExecutionInMillis": 5400123},
}

# newest first within a workgroup is by StartDateTime, as AWS lists them
LISTED_SESSIONS = [
    _listed("la-idle-1", "spark-analytics",
            {"State": "IDLE", "StartDateTime": 1700100500,
             "LastModifiedDateTime": 1700100600.5,
             "IdleSinceDateTime": 1700100600.5},
            "nightly model", FULL_DETAILS),
    _listed("la-busy", "spark-analytics",
            {"State": "BUSY", "StartDateTime": 1700100400,
             "LastModifiedDateTime": 1700100450},
            "ad hoc", {"Statistics": {"DpuExecutionInMillis": 120000}}),
    _listed("la-idle-2", "spark-analytics",
            {"State": "IDLE", "StartDateTime": 1700100300,
             "LastModifiedDateTime": 1700100350,
             "IdleSinceDateTime": 1700100350}),
    _listed("la-terminated", "spark-analytics",
            {"State": "TERMINATED",
             "StateChangeReason": "Session was terminated by user request",
             "StartDateTime": 1700100200, "LastModifiedDateTime": 1700100250,
             "EndDateTime": 1700100250}),
    _listed("la-failed", "spark-analytics",
            {"State": "FAILED", "StateChangeReason": "Session failed",
             "StartDateTime": 1700100100, "LastModifiedDateTime": 1700100110,
             "EndDateTime": 1700100110}),
    _listed("le-idle", "spark-etl",
            {"State": "IDLE", "StartDateTime": 1700100550,
             "LastModifiedDateTime": 1700100560,
             "IdleSinceDateTime": 1700100560}, "etl loader"),
    _listed("le-creating", "spark-etl",
            {"State": "CREATING", "StartDateTime": 1700100050}),
]
LISTED_BY_ID = {s["SessionId"]: s for s in LISTED_SESSIONS}

# "gen-<N>" is a workgroup of N generated sessions "gen-<N>-<i>" (5 digits),
# all IDLE as GEN_TEMPLATE describes them; it is absent from ListWorkGroups.
GEN_WORKGROUP_MAX = 100000
GEN_STATUS = {"State": "IDLE", "StartDateTime": 1700000000,
              "LastModifiedDateTime": 1700000060,
              "IdleSinceDateTime": 1700000060}


def _gen_workgroup_size(wg):
    if wg.startswith("gen-") and wg[4:].isdigit():
        n = int(wg[4:])
        if 0 < n <= GEN_WORKGROUP_MAX:
            return n
    return None


def _gen_session(sid):
    """The generated session sid, as a LISTED_SESSIONS entry."""
    wg = None
    head, sep, tail = sid.rpartition("-")
    if sep and tail.isdigit() and _gen_workgroup_size(head) is not None:
        wg = head
    return _listed(sid, wg, dict(GEN_STATUS), "generated", FULL_DETAILS)


@functools.lru_cache(maxsize=16)
def workgroup_sessions(wg):
    """Sessions of workgroup wg, newest first (a tuple; callers must not
    change its entries).  Cached: the mock's own cost per page is part of
    every benchmark's wall time."""
    n = _gen_workgroup_size(wg)
    if n is not None:
        return tuple(_gen_session("%s-%05d" % (wg, i)) for i in range(n))
    return tuple(sorted((s for s in LISTED_SESSIONS if s["WorkGroup"] == wg),
                        key=lambda s: -s["Status"]["StartDateTime"]))


def session_summary(s):
    """A ListSessions item."""
    out = {"SessionId": s["SessionId"]}
    if s["Description"] is not None:
        out["Description"] = s["Description"]
    out["EngineVersion"] = {"SelectedEngineVersion": SPARK_ENGINE,
                            "EffectiveEngineVersion": SPARK_ENGINE}
    out["NotebookVersion"] = NOTEBOOK
    out["Status"] = s["Status"]
    return out


def get_session_body(s):
    """A GetSession answer: the summary's fields plus the details, except
    that GetSessionResponse.EngineVersion is a NameString (the effective
    version's name), where SessionSummary's is an EngineVersion structure."""
    out = session_summary(s)
    out["EngineVersion"] = SPARK_ENGINE
    if s["WorkGroup"] is not None:
        out["WorkGroup"] = s["WorkGroup"]
    out.update(s["Details"] or {})
    return out


# ---------------------------------------------------------------------------
# Calculations (ListCalculationExecutions, GetCalculationExecution[Status,
# Code], StopCalculationExecution)
# ---------------------------------------------------------------------------
# States a StopCalculationExecution applies to; what it leaves behind
STOPPABLE_CALC_STATES = ("CREATING", "CREATED", "QUEUED", "RUNNING")
CANCELED_REASON = "Calculation was canceled by user request"


def _calc(cid, sid, state, submitted, completed=None, reason=None,
          description=None, dpu=None, progress=None, result=None,
          code="print(1)"):
    status = {"State": state, "SubmissionDateTime": submitted}
    if completed is not None:
        status["CompletionDateTime"] = completed
    if reason is not None:
        status["StateChangeReason"] = reason
    stats = {}
    if dpu is not None:
        stats["DpuExecutionInMillis"] = dpu
    if progress is not None:
        stats["Progress"] = progress
    return {"CalculationExecutionId": cid, "SessionId": sid,
            "Description": description, "Status": status,
            "Statistics": stats, "Result": result, "CodeBlock": code}


def _result(sid, cid, kind="application/json"):
    base = "s3://athena-spark-bucket/analytics/%s/%s/" % (sid, cid)
    return {"StdOutS3Uri": base + "stdout.txt",
            "StdErrorS3Uri": base + "stderr.txt",
            "ResultS3Uri": base + "result.json", "ResultType": kind}


# newest first within a session is by SubmissionDateTime, as AWS lists them
CALCULATIONS = [
    _calc("c-busy-running", "la-busy", "RUNNING", 1700100440,
          description="hourly aggregate", dpu=360000, progress="stage 3 of 5",
          code="spark.sql('SELECT count(*) FROM events').show()"),
    _calc("c-busy-queued", "la-busy", "QUEUED", 1700100445,
          description="queued backfill", code="df = spark.range(10)"),
    _calc("c-busy-done", "la-busy", "COMPLETED", 1700100420, 1700100430,
          description="warm up", dpu=60000, progress="done",
          result=_result("la-busy", "c-busy-done", "text/plain"),
          code="print('warm')"),
    _calc("c-idle-done", "la-idle-1", "COMPLETED", 1700100510, 1700100590.25,
          description="nightly model", dpu=1234567, progress="done",
          result=_result("la-idle-1", "c-idle-done"),
          code="model.fit(train)\nmodel.save('s3://models/nightly')"),
    _calc("c-idle-failed", "la-idle-1", "FAILED", 1700100505, 1700100506,
          reason="NameError: name 'modle' is not defined", dpu=1500,
          result={"StdErrorS3Uri": "s3://athena-spark-bucket/analytics/"
                  "la-idle-1/c-idle-failed/stderr.txt"},
          code="modle.fit(train)"),
    _calc("c-idle-canceled", "la-idle-1", "CANCELED", 1700100501, 1700100502,
          reason=CANCELED_REASON, code="while True: pass"),
    _calc("c-etl-created", "le-idle", "CREATED", 1700100555,
          description="load orders", code="load('orders')"),
]
CALCS_BY_ID = {c["CalculationExecutionId"]: c for c in CALCULATIONS}

# a generated session "gen-<N>-<i>" has GEN_CALCULATIONS calculations
# "<session>-c<kk>", COMPLETED
GEN_CALCULATIONS = 20


def _gen_calc(cid):
    sid, sep, k = cid.rpartition("-c")
    if not (sep and k.isdigit() and len(k) == 2 and
            int(k) < GEN_CALCULATIONS and sid.startswith("gen-") and
            _gen_session(sid)["WorkGroup"] is not None):
        return None
    return _calc(cid, sid, "COMPLETED", 1700000100 + int(k),
                 1700000160 + int(k), dpu=1000 * (int(k) + 1),
                 progress="done", result=_result(sid, cid),
                 code="print(%d)" % int(k))


def session_calcs(sid):
    """The calculations of session sid, newest first."""
    if sid.startswith("gen-") and _gen_session(sid)["WorkGroup"] is not None:
        return [_gen_calc("%s-c%02d" % (sid, k))
                for k in reversed(range(GEN_CALCULATIONS))]
    return sorted((c for c in CALCULATIONS if c["SessionId"] == sid),
                  key=lambda c: -c["Status"]["SubmissionDateTime"])


def calc_summary(c):
    """A ListCalculationExecutions item (CalculationSummary)."""
    out = {"CalculationExecutionId": c["CalculationExecutionId"]}
    if c["Description"] is not None:
        out["Description"] = c["Description"]
    out["Status"] = c["Status"]
    return out


def calc_body(c):
    """A GetCalculationExecution answer."""
    out = {"CalculationExecutionId": c["CalculationExecutionId"],
           "SessionId": c["SessionId"]}
    if c["Description"] is not None:
        out["Description"] = c["Description"]
    out["WorkingDirectory"] = ("s3://athena-spark-bucket/analytics/%s/"
                               % c["SessionId"])
    out["Status"] = c["Status"]
    out["Statistics"] = c["Statistics"]
    if c["Result"] is not None:
        out["Result"] = c["Result"]
    return out


# Ids GetSessionStatus and GetSession answer with the other "not found"
# shape (400 InvalidRequestException), or with an unrelated invalid request.
GONE_PREFIX = "vanished-"
INVALID_PREFIX = "locked-"
MSG_GONE = "Session ID %s was not found"
MSG_INVALID = "The request could not be processed: the session is locked"
# Athena's answer to a Spark call on a workgroup whose engine is SQL, as it
# answers StartSession there (it names no workgroup)
MSG_NOT_SPARK = "Workgroup EngineVersion is not Spark."

# API requests whose operation and body /_mock/requests keeps since reset
MAX_RECORDS = 100000
# model violations whose text /_mock/stats keeps
MAX_MODEL_PROBLEMS = 50

FAULT_KINDS = ("throttle", "toomany", "http429", "http500", "html503",
               "reset", "empty", "hang", "garbage", "oversized", "redirect",
               "slow", "stream", "denied", "gone", "vanished", "misshaped",
               "lost")

TERMINATED_REASON = "Session was terminated by user request"

REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 403: "Forbidden",
           404: "Not Found", 413: "Payload Too Large", 429: "Too Many Requests",
           431: "Request Header Fields Too Large", 500: "Internal Server Error",
           503: "Service Unavailable"}

MSG_MISSING_AUTH = "Missing Authentication Token"
MSG_EXPIRED_TOKEN = "The security token included in the request is expired"
MSG_BAD_TOKEN = "The security token included in the request is invalid."
MSG_BAD_SIG = ("The request signature we calculated does not match the "
               "signature you provided. Check your AWS Secret Access Key and "
               "signing method. Consult the service documentation for "
               "details.")
MSG_BAD_REGION = "Credential should be scoped to a valid region."


def _err(type_, msg, key="message", **members):
    """An error body: __type, the message under key, and the members the
    model gives that exception (AthenaErrorCode, ResourceName, Reason)."""
    return json.dumps(dict({"__type": type_, key: msg}, **members)).encode()


def _err_header(type_):
    """x-amzn-ErrorType as AWS sends it: the code, a colon, a namespace URL
    (Athena's for its modeled exceptions, the front end's for the rest)."""
    ns = ("com.amazon.coral.service" if type_ in
          model_check.COMMON_JSON_ERRORS else "com.amazonaws.athena")
    return (("x-amzn-ErrorType",
             "%s:http://internal.amazon.com/coral/%s/" % (type_, ns)),)


# Athena's AthenaErrorCode of an InvalidRequestException about the input
# (as AWS sends it, e.g. to CreateWorkGroup without an execution role).
INVALID_INPUT = "INVALID_INPUT"

# Status fixtures that are off the model on purpose: the parser's tolerance
# of what AWS does not send today.  Never counted as model violations.
OFF_MODEL_FIXTURES = {
    "s-nulls": "members sent as JSON null",
    "s-extra": "members the model does not have",
    "s-future": "a State the model does not have (yet)",
}


# ---------------------------------------------------------------------------
# Signature verification
# ---------------------------------------------------------------------------

class _SignedHeaderMap(dict):
    """lower-case name -> [values]; what SigV4Auth.headers_to_sign returns."""

    def get_all(self, name, failobj=None):
        return self.get(name, failobj)


class _ExactSigV4(SigV4Auth):
    """SigV4Auth restricted to the headers the client said it signed.

    signature() is botocore's computation with the derived signing key
    (HMAC chain over date/region/service/aws4_request, built with
    botocore's own _sign) cached per date: this is pure memoisation and
    saves four HMACs per request.
    """

    def __init__(self, *args):
        SigV4Auth.__init__(self, *args)
        self._kcache = {}

    def headers_to_sign(self, request):
        return request.context["mock_signed_headers"]

    def signature(self, string_to_sign, request):
        date = request.context["timestamp"][0:8]
        k_signing = self._kcache.get(date)
        if k_signing is None:
            k_date = self._sign(
                ("AWS4" + self.credentials.secret_key).encode(), date)
            k_region = self._sign(k_date, self._region_name)
            k_service = self._sign(k_region, self._service_name)
            k_signing = self._sign(k_service, "aws4_request")
            if len(self._kcache) > 16:
                self._kcache.clear()
            self._kcache[date] = k_signing
        return self._sign(k_signing, string_to_sign, hex=True)


class _Request:
    """The parts of botocore's AWSRequest that SigV4Auth reads.

    Equivalent to AWSRequest(method, url, data=body) with no headers (the
    signed headers come from context["mock_signed_headers"]), without the
    cost of AWSRequest.prepare() on every .body access.
    """
    __slots__ = ("method", "url", "params", "headers", "body", "context")

    def __init__(self, method, url, body):
        self.method = method
        self.url = url
        self.params = {}
        self.headers = {}
        self.body = body
        self.context = {}


class AuthError(Exception):
    def __init__(self, status, type_, message):
        Exception.__init__(self, message)
        self.status = status
        self.type = type_
        self.message = message


_signers = {}
_signers_lock = threading.Lock()


def _signer(access_key, secret, region, service=SERVICE):
    key = (access_key, region, service)
    s = _signers.get(key)
    if s is None:
        with _signers_lock:
            s = _ExactSigV4(Credentials(access_key, secret), service, region)
            _signers[key] = s
    return s


def parse_authorization(value):
    """Return (access_key, date, region, service, signed_list, signature)."""
    if not value or not value.startswith("AWS4-HMAC-SHA256 "):
        return None
    fields = {}
    for part in value[len("AWS4-HMAC-SHA256 "):].split(","):
        name, sep, val = part.strip().partition("=")
        if not sep or name in fields:
            return None
        fields[name] = val
    if set(fields) != {"Credential", "SignedHeaders", "Signature"}:
        return None
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or not all(scope):
        return None
    signed = fields["SignedHeaders"].split(";")
    if not all(signed):
        return None
    sig = fields["Signature"]
    if len(sig) != 64:
        return None
    return scope[0], scope[1], scope[2], scope[3], signed, sig


def verify_signature(method, path, headers, body, region, max_skew,
                     service=SERVICE, required=REQUIRED_SIGNED):
    """headers: lower-case name -> [values as received].  Raises AuthError.
    Returns (access key, signed header names)."""
    auth = headers.get("authorization")
    parsed = parse_authorization(auth[0]) if auth and len(auth) == 1 else None
    if parsed is None:
        raise AuthError(400, "MissingAuthenticationTokenException",
                        MSG_MISSING_AUTH)
    akid, sdate, sregion, sservice, signed, signature = parsed
    if sregion != region:
        raise AuthError(403, "InvalidSignatureException", MSG_BAD_REGION)
    if sservice != service:
        raise AuthError(403, "InvalidSignatureException",
                        "Credential should be scoped to correct service: "
                        "'%s'." % service)
    entry = KEYS.get(akid)
    if entry is None:
        raise AuthError(400, "UnrecognizedClientException", MSG_BAD_TOKEN)
    secret, want_token = entry[0], entry[1]
    token = headers.get("x-amz-security-token")
    if want_token is None:
        if token is not None:
            raise AuthError(403, "UnrecognizedClientException", MSG_BAD_TOKEN)
    else:
        if (token is None or len(token) != 1
                or not hmac.compare_digest(token[0].encode(),
                                           want_token.encode())):
            raise AuthError(403, "UnrecognizedClientException", MSG_BAD_TOKEN)
    if len(entry) > 2 and time.time() >= entry[2]:
        raise AuthError(400, "ExpiredTokenException", MSG_EXPIRED_TOKEN)
    signed_set = set(signed)
    missing = [h for h in required if h not in signed_set]
    if token is not None and "x-amz-security-token" not in signed_set:
        missing.append("x-amz-security-token")
    if missing:
        raise AuthError(403, "InvalidSignatureException",
                        "Header(s) %s must be included in SignedHeaders."
                        % ", ".join(missing))
    amz_date = headers.get("x-amz-date", [""])[0]
    if (len(amz_date) != 16 or amz_date[8] != "T" or amz_date[15] != "Z"
            or not (amz_date[:8] + amz_date[9:15]).isdigit()):
        raise AuthError(403, "InvalidSignatureException",
                        "Invalid X-Amz-Date: %s" % amz_date)
    if amz_date[:8] != sdate:
        raise AuthError(403, "InvalidSignatureException",
                        "Date in Credential scope does not match YYYYMMDD "
                        "from ISO-8601 version of date from HTTP: '%s' != "
                        "'%s', from '%s'." % (sdate, amz_date[:8], amz_date))
    if max_skew:
        try:
            ts = calendar.timegm((
                int(amz_date[0:4]), int(amz_date[4:6]), int(amz_date[6:8]),
                int(amz_date[9:11]), int(amz_date[11:13]),
                int(amz_date[13:15]), 0, 0, 0))
        except (ValueError, OverflowError):
            raise AuthError(403, "InvalidSignatureException",
                            "Invalid X-Amz-Date: %s" % amz_date)
        now = time.time()
        if abs(now - ts) > max_skew:
            raise AuthError(403, "InvalidSignatureException",
                            "Signature expired: %s is now earlier than %s "
                            "(%s - %d min.)" % (
                                amz_date,
                                time.strftime("%Y%m%dT%H%M%SZ",
                                              time.gmtime(now - max_skew)),
                                time.strftime("%Y%m%dT%H%M%SZ",
                                              time.gmtime(now)),
                                max_skew // 60))
    hmap = _SignedHeaderMap()
    for h in signed:
        vals = headers.get(h)
        if vals is None:
            # The client signed a header it did not send.
            raise AuthError(403, "InvalidSignatureException", MSG_BAD_SIG)
        hmap[h] = vals
    # The payload hash is always the hash of the body actually received.
    sha = headers.get("x-amz-content-sha256")
    host = headers.get("host", ["localhost"])[0]
    req = _Request(method, "http://%s%s" % (host, path), body)
    if sha is not None and "x-amz-content-sha256" in signed_set:
        # botocore would trust the header value; AWS checks it, so do we.
        if sha[0] != hashlib.sha256(body).hexdigest():
            raise AuthError(403, "InvalidSignatureException",
                            "The provided 'x-amz-content-sha256' header does "
                            "not match what was computed.")
    req.context["timestamp"] = amz_date
    req.context["mock_signed_headers"] = hmap
    signer = _signer(akid, secret, region, service)
    canonical = signer.canonical_request(req)
    sts = signer.string_to_sign(req, canonical)
    expected = signer.signature(sts, req)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise AuthError(403, "InvalidSignatureException", MSG_BAD_SIG)
    return akid, signed


# ---------------------------------------------------------------------------
# Shared state
# ---------------------------------------------------------------------------

class State:
    def __init__(self, latency_ms, region, max_skew, log_path,
                 quota_rps=0, quota_burst=None):
        self.lock = threading.Lock()
        self.cli_latency_ms = latency_ms
        self.cli_quota = (quota_rps, quota_burst)
        self.region = region
        self.max_skew = max_skew
        self.log = open(log_path, "a", buffering=1) if log_path else None
        self.log_lock = threading.Lock()
        self.stopping = threading.Event()
        # a gauge, not a counter: reset() must not zero it while requests
        # of an earlier test (a slow or hanging one) are still being served
        self.in_flight = 0
        # the model check's counts: never reset, so that a mis-shaped
        # answer anywhere in a test run is still seen at its end
        self.model_checked = 0
        self.model_off_model = 0
        self.model_violations = 0
        self.model_problems = []  # the first MAX_MODEL_PROBLEMS
        self.reset()

    def reset(self):
        with self.lock:
            self.latency_ms = self.cli_latency_ms
            self.set_quota(*self.cli_quota)
            self.requests = 0
            self.requests_by_op = {}
            self.response_bytes_by_op = {}
            self.connections = 0
            self.tcp_accepts = 0
            self.tls_handshake_failures = 0
            self.peak_in_flight = self.in_flight
            self.signature_failures = 0
            self.auth_failures_by_type = {}
            self.faults_injected = 0
            self.stream_bytes_sent = 0
            self.faults = []  # list of dicts with "remaining"
            self.last_request = None
            self.records = []  # (operation, body) of every API request
            self.page_cap = {}  # operation -> most items per page
            # session id -> epoch seconds of the TerminateSession that
            # ended it; and every accepted call, in order
            self.terminated = {}
            self.terminations = []
            # calculation id -> epoch seconds of the StopCalculationExecution
            # that canceled it; and every accepted call, in order
            self.stopped = {}
            self.stops = []
            # how long a stopped calculation stays CANCELING (seconds)
            self.canceling_s = 0.0
            # StartSession and StartCalculationExecution: what they started
            # (id -> entry, in order), the id each ClientRequestToken
            # started, and every accepted call with its token
            self.started_sessions = {}
            self.started_calcs = {}
            self.tokens = {}
            self.starts = []
            # seconds a started calculation stays CREATING, QUEUED, RUNNING
            self.calc_timing = (0.0, 0.0, 0.0)

    def set_quota(self, rps, burst=None):
        """Called under self.lock.  A new bucket starts full."""
        rps = float(rps or 0)
        burst = max(1.0, rps) if burst is None else float(burst)
        if rps < 0 or (rps > 0 and burst < 1):
            raise ValueError("rps must be >= 0 and burst >= 1")
        self.quota_rps = rps
        self.quota_burst = burst
        self.quota_tokens = burst
        self.quota_updated = time.monotonic()
        self.quota_throttled = 0
        # throttles that do not depend on the client's rate (a neighbour,
        # a hiccup): this fraction of requests, at random, whatever the rate
        self.quota_random = 0.0
        self.quota_random_gen = random.Random(20261207)

    def take_quota(self):
        """Called under self.lock: False when the request is throttled."""
        if (self.quota_random > 0 and
                self.quota_random_gen.random() < self.quota_random):
            self.quota_throttled += 1
            return False
        if self.quota_rps <= 0:
            return True
        now = time.monotonic()
        self.quota_tokens = min(self.quota_burst, self.quota_tokens +
                                (now - self.quota_updated) * self.quota_rps)
        self.quota_updated = now
        if self.quota_tokens >= 1:
            self.quota_tokens -= 1
            return True
        self.quota_throttled += 1
        return False

    def take_fault(self, op):
        """Called under self.lock."""
        while self.faults:
            f = self.faults[0]
            if f["remaining"] == 0:
                self.faults.pop(0)
                continue
            if f.get("op") not in (None, op):
                return None
            if f.get("skip", 0) > 0:
                f["skip"] -= 1
                return None
            if f["remaining"] > 0:
                f["remaining"] -= 1
                if f["remaining"] == 0:
                    self.faults.pop(0)
            self.faults_injected += 1
            return f
        return None

    def snapshot(self):
        with self.lock:
            return {
                "requests": self.requests,
                "requests_by_op": dict(self.requests_by_op),
                "response_bytes_by_op": dict(self.response_bytes_by_op),
                "connections": self.connections,
                "tcp_accepts": self.tcp_accepts,
                "tls_handshake_failures": self.tls_handshake_failures,
                "in_flight": self.in_flight,
                "peak_in_flight": self.peak_in_flight,
                "signature_failures": self.signature_failures,
                "auth_failures_by_type": dict(self.auth_failures_by_type),
                "faults_injected": self.faults_injected,
                "quota": ({"rps": self.quota_rps, "burst": self.quota_burst}
                          if self.quota_rps > 0 else None),
                "quota_throttled": self.quota_throttled,
                "stream_bytes_sent": self.stream_bytes_sent,
                "terminations": [dict(t) for t in self.terminations],
                "stops": [dict(t) for t in self.stops],
                "starts": [dict(t) for t in self.starts],
                "faults_pending": [
                    {k: v for k, v in f.items()} for f in self.faults],
                "model": self.model_snapshot(),
                "latency_ms": self.latency_ms,
                "region": self.region,
                "last_request": self.last_request,
            }

    def model_snapshot(self):
        """Called under self.lock."""
        return {"checked": self.model_checked,
                "off_model": self.model_off_model,
                "violations": self.model_violations,
                "problems": list(self.model_problems)}

    def model_record(self, what, problems, off_model):
        """Counts one answer the model check saw (what: "GetSession 200")."""
        with self.lock:
            if off_model:
                self.model_off_model += 1
                return
            self.model_checked += 1
            if problems:
                self.model_violations += 1
                if len(self.model_problems) < MAX_MODEL_PROBLEMS:
                    self.model_problems.append(
                        "%s: %s" % (what, "; ".join(problems)))
        if problems:
            sys.stderr.write("mock: answer off botocore's model: %s: %s\n"
                             % (what, "; ".join(problems)))

    def status(self, sid, status):
        """A session's Status as the API reports it now: after a
        TerminateSession ended it, TERMINATED at the time of the call."""
        with self.lock:
            at = self.terminated.get(sid)
        if at is None:
            return status
        out = {k: v for k, v in status.items() if k != "IdleSinceDateTime"}
        out.update({"State": "TERMINATED",
                    "StateChangeReason": TERMINATED_REASON,
                    "LastModifiedDateTime": round(at, 6),
                    "EndDateTime": round(at, 6)})
        return out

    def terminate(self, sid, status):
        """Records a TerminateSession of sid; returns the State answered."""
        now = time.time()
        with self.lock:
            previous = ("TERMINATED" if sid in self.terminated
                        else status.get("State"))
            self.terminations.append({"session_id": sid, "at": now,
                                      "previous_state": previous})
            if previous in ENDED_STATES:
                return previous
            self.terminated[sid] = now
            return "TERMINATING"

    def start(self, op, token, make):
        """Records a start; make(n) builds the new entry (n: how many of op
        were started before).  A ClientRequestToken seen before starts
        nothing: the same id is answered.  Returns (id, new)."""
        with self.lock:
            key = (op, token)
            started = (self.started_sessions if op == "StartSession"
                       else self.started_calcs)
            new = token is None or key not in self.tokens
            if new:
                entry = make(len(started) + 1)
                ident = (entry["SessionId"] if op == "StartSession"
                         else entry["CalculationExecutionId"])
                started[ident] = entry
                if token is not None:
                    self.tokens[key] = ident
            else:
                ident = self.tokens[key]
            self.starts.append({"op": op, "id": ident, "token": token,
                                "new": new})
            return ident, new

    def started_calc(self, cid):
        """A calculation StartCalculationExecution started, in the state
        its age gives it (calc_timing), else None."""
        with self.lock:
            c = self.started_calcs.get(cid)
            creating, queued, running = self.calc_timing
        if c is None:
            return None
        age = time.time() - c["Status"]["SubmissionDateTime"]
        status = dict(c["Status"])
        stats = {}
        if age < creating:
            status["State"] = "CREATING"
        elif age < creating + queued:
            status["State"] = "QUEUED"
        elif age < creating + queued + running:
            status["State"] = "RUNNING"
            stats = {"DpuExecutionInMillis":
                     int((age - creating - queued) * 1000),
                     "Progress": "running"}
        else:
            failed = "raise" in (c["CodeBlock"] or "")
            status["State"] = "FAILED" if failed else "COMPLETED"
            status["CompletionDateTime"] = round(
                c["Status"]["SubmissionDateTime"] + creating + queued +
                running, 6)
            if failed:
                status["StateChangeReason"] = "Exception: raised by the code"
            stats = {"DpuExecutionInMillis": int(running * 1000),
                     "Progress": "done"}
            c = dict(c, Result=(
                {"StdErrorS3Uri": _result(c["SessionId"], cid)
                 ["StdErrorS3Uri"]} if failed
                else _result(c["SessionId"], cid)))
        return dict(c, Status=status, Statistics=stats)

    def calc(self, c):
        """A calculation as the API reports it now: after a
        StopCalculationExecution, CANCELING for canceling_s seconds, then
        CANCELED at the time of the call plus that."""
        with self.lock:
            at = self.stopped.get(c["CalculationExecutionId"])
            canceling = self.canceling_s
        if at is None:
            return c
        status = {k: v for k, v in c["Status"].items()
                  if k != "CompletionDateTime"}
        status["StateChangeReason"] = CANCELED_REASON
        if time.time() < at + canceling:
            status["State"] = "CANCELING"
        else:
            status["State"] = "CANCELED"
            status["CompletionDateTime"] = round(at + canceling, 6)
        return dict(c, Status=status)

    def stop(self, c):
        """Records a StopCalculationExecution of c (as calc() reports it
        now); returns the State answered: CANCELING, or the state of a
        calculation that has ended or is ending."""
        now = time.time()
        cid = c["CalculationExecutionId"]
        previous = c["Status"]["State"]
        with self.lock:
            self.stops.append({"calculation_execution_id": cid, "at": now,
                               "previous_state": previous})
            if previous not in STOPPABLE_CALC_STATES:
                return previous
            self.stopped[cid] = now
            return "CANCELING"

    def write_log(self, line):
        if self.log is not None:
            with self.log_lock:
                self.log.write(line + "\n")


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

_date_cache = [0, ""]


def _http_date():
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[1] = email.utils.formatdate(now, usegmt=True)
        _date_cache[0] = now
    return _date_cache[1]


class _Close(Exception):
    """Abort the connection without a response."""


MAX_BODY = 16 * 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MockAthena/1.0"
    wbufsize = 0  # wfile.write == sendall; we always write one buffer

    def setup(self):
        BaseHTTPRequestHandler.setup(self)
        self.first_request = True
        self.api_op = None  # the API request being answered: its operation
        self.suppress_answer = False  # the fault "lost": answer not sent

    def log_message(self, fmt, *args):  # silence http.server
        pass

    # -- response -----------------------------------------------------------
    def respond(self, status, body, ctype=JSON_CT, extra=(), api=True,
                off_model=None, sts_action=None, sso_op=None):
        """Writes one answer.  Every answer to an Athena API request (and,
        with sts_action, to an STS one) goes through model_check first;
        off_model, a reason, marks an answer broken on purpose (a fault, a
        hostile fixture), which is counted apart and not checked."""
        if self.suppress_answer:
            return status
        if sso_op is not None:
            self.server.state.model_record(
                "SSO %s %d" % (sso_op, status),
                model_check.check_sso(sso_op, status, body, extra), None)
        elif api and (self.api_op is not None or sts_action is not None):
            if off_model is None and sts_action is not None:
                what = "STS %s %d" % (sts_action, status)
                problems = model_check.check_sts(sts_action, status, body)
            elif off_model is None:
                what = "%s %d" % (self.api_op, status)
                problems = model_check.check_athena(self.api_op, status,
                                                    body, extra)
            else:
                what, problems = None, None
            self.server.state.model_record(what, problems, off_model)
        lines = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status"))]
        if api:
            lines.append("x-amzn-RequestId: " + str(uuid.uuid4()))
        lines.append("Content-Type: " + ctype)
        lines.append("Content-Length: %d" % len(body))
        lines.append("Date: " + _http_date())
        for k, v in extra:
            lines.append("%s: %s" % (k, v))
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if api and self.api_op is not None:
            st = self.server.state
            with st.lock:
                st.response_bytes_by_op[self.api_op] = \
                    st.response_bytes_by_op.get(self.api_op, 0) + len(body)
        self.wfile.write(head + body)
        return status

    # -- request parsing (lean replacement for parse_request) ---------------
    def handle_one_request(self):
        try:
            self._handle_one_request()
        except _Close:
            self.close_connection = True
        except (ConnectionError, socket.timeout, OSError, ValueError):
            self.close_connection = True

    def _read_request(self):
        rfile = self.rfile
        line = rfile.readline(65537)
        if not line:
            raise _Close()
        if len(line) > 65536:
            self.close_connection = True
            self.respond(414, b"", api=False)
            raise _Close()
        parts = line.split()
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            self.close_connection = True
            self.respond(400, _err("BadRequest", "malformed request line"),
                         api=False)
            raise _Close()
        method = parts[0].decode("latin-1")
        path = parts[1].decode("latin-1")
        version = parts[2]
        headers = {}
        names = []
        last = None
        while True:
            h = rfile.readline(65537)
            if h in (b"\r\n", b"\n"):
                break
            if not h:
                raise _Close()
            if len(names) > 200 or len(h) > 65536:
                self.close_connection = True
                self.respond(431, b"", api=False)
                raise _Close()
            if h[0] in (32, 9) and last is not None:  # obsolete folding
                vals = headers[last]
                vals[-1] = (vals[-1] + " " + h.strip().decode("latin-1"))
                continue
            name, sep, value = h.partition(b":")
            if not sep:
                self.close_connection = True
                self.respond(400, _err("BadRequest", "malformed header"),
                             api=False)
                raise _Close()
            name = name.decode("latin-1")
            names.append(name)
            last = name.lower()
            value = value.strip().decode("latin-1")
            vals = headers.get(last)
            if vals is None:
                headers[last] = [value]
            else:
                vals.append(value)
        conn = headers.get("connection", [""])[-1].lower()
        if version == b"HTTP/1.0":
            self.close_connection = conn != "keep-alive"
        else:
            self.close_connection = conn == "close"
        if headers.get("expect", [""])[0].lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        te = headers.get("transfer-encoding")
        if te and te[-1].lower() == "chunked":
            chunks = []
            total = 0
            while True:
                size_line = rfile.readline(1024)
                if not size_line:
                    raise _Close()
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    raise _Close()
                chunks.append(rfile.read(size))
                rfile.readline(3)
            body = b"".join(chunks)
        else:
            cl = headers.get("content-length")
            n = int(cl[0]) if cl else 0
            if n < 0 or n > MAX_BODY:
                self.close_connection = True
                self.respond(413, b"", api=False)
                raise _Close()
            body = rfile.read(n) if n else b""
            if len(body) != n:
                raise _Close()
        return method, path, headers, names, body

    def _handle_one_request(self):
        self.api_op = None
        method, path, headers, names, body = self._read_request()
        first = self.first_request
        self.first_request = False
        if path.startswith("/_mock/"):
            self.handle_control(method, path, body)
        elif self.server.identity.handles(method, path, headers):
            self.server.identity.handle(self, method, path, headers, body)
        else:
            self.handle_api(method, path, headers, names, body, first)
        self.wfile.flush()

    # -- control endpoints --------------------------------------------------
    def handle_control(self, method, path, body):
        st = self.server.state
        path = path.split("?", 1)[0]
        try:
            args = json.loads(body) if body.strip() else {}
            if not isinstance(args, dict):
                raise ValueError("body must be a JSON object")
            if path == "/_mock/stats" and method == "GET":
                out = st.snapshot()
            elif path == "/_mock/reset" and method == "POST":
                st.reset()
                self.server.identity.reset()
                out = {"ok": True}
            elif path == "/_mock/requests" and method == "GET":
                with st.lock:
                    out = {"requests": [{"op": op, "body": b}
                                        for op, b in st.records]}
            elif path == "/_mock/page_size" and method == "POST":
                size = int(args["size"])
                if size < 0:
                    raise ValueError("size must be >= 0")
                with st.lock:
                    st.page_cap[str(args["op"])] = size
                out = {"ok": True}
            elif path == "/_mock/quota" and method == "POST":
                with st.lock:
                    st.set_quota(args.get("rps", 0), args.get("burst"))
                    fraction = float(args.get("random", 0))
                    if not 0 <= fraction < 1:
                        raise ValueError("random must be in [0, 1)")
                    st.quota_random = fraction
                out = {"ok": True}
            elif path == "/_mock/identity":
                out = self.server.identity.control(method, args)
            elif path == "/_mock/calc_timing" and method == "POST":
                timing = tuple(float(args[k]) for k in
                               ("creating", "queued", "running"))
                if min(timing) < 0:
                    raise ValueError("durations must be >= 0")
                with st.lock:
                    st.calc_timing = timing
                out = {"ok": True}
            elif path == "/_mock/canceling" and method == "POST":
                seconds = float(args["seconds"])
                if seconds < 0:
                    raise ValueError("seconds must be >= 0")
                with st.lock:
                    st.canceling_s = seconds
                out = {"ok": True}
            elif path == "/_mock/latency" and method == "POST":
                ms = int(args["ms"])
                if ms < 0:
                    raise ValueError("ms must be >= 0")
                with st.lock:
                    st.latency_ms = ms
                out = {"ok": True, "latency_ms": ms}
            elif path == "/_mock/fault" and method == "POST":
                kind = args.get("kind")
                if kind in ("none", "clear"):
                    with st.lock:
                        st.faults = []
                    out = {"ok": True}
                else:
                    if kind not in FAULT_KINDS:
                        raise ValueError("unknown fault kind %r" % (kind,))
                    count = int(args.get("count", 1))
                    if count < -1 or count == 0:
                        raise ValueError("count must be -1 or > 0")
                    f = {"kind": kind, "remaining": count}
                    if args.get("retry_after") is not None:
                        f["retry_after"] = args["retry_after"]
                    if args.get("ms") is not None:
                        f["ms"] = int(args["ms"])
                    if args.get("location") is not None:
                        f["location"] = str(args["location"])
                    if args.get("op") is not None:
                        f["op"] = str(args["op"])
                    if args.get("skip") is not None:
                        f["skip"] = int(args["skip"])
                    if args.get("bytes") is not None:
                        f["bytes"] = int(args["bytes"])
                    if args.get("status") is not None:
                        f["status"] = int(args["status"])
                    with st.lock:
                        if args.get("append"):
                            st.faults.append(f)
                        else:
                            st.faults = [f]
                    out = {"ok": True}
            else:
                self.respond(404, json.dumps(
                    {"error": "no such control endpoint"}).encode(),
                    ctype="application/json", api=False)
                return
        except (ValueError, KeyError, TypeError) as e:
            self.respond(400, json.dumps({"error": str(e)}).encode(),
                         ctype="application/json", api=False)
            return
        self.respond(200, json.dumps(out, sort_keys=True).encode(),
                     ctype="application/json", api=False)

    # -- API ----------------------------------------------------------------
    def handle_api(self, method, path, headers, names, body, first):
        st = self.server.state
        target = headers.get("x-amz-target", [""])[0]
        op = target[len(TARGET_PREFIX):] if target.startswith(
            TARGET_PREFIX) else target
        auth = headers.get("authorization", [""])[0]
        signed_list = []
        if "SignedHeaders=" in auth:
            signed_list = auth.split("SignedHeaders=", 1)[1].split(
                ",", 1)[0].strip().split(";")
        last = {
            "method": method,
            "path": path,
            "header_names": names,
            "signed_headers": signed_list,
            "access_key_id": (parse_authorization(auth) or [None])[0],
            "user_agent": headers.get("user-agent", [None])[0],
            "target": target or None,
            "body": body.decode("utf-8", "replace"),
        }
        self.api_op = op
        with st.lock:
            if first:
                st.connections += 1
            st.requests += 1
            st.requests_by_op[op] = st.requests_by_op.get(op, 0) + 1
            st.in_flight += 1
            if st.in_flight > st.peak_in_flight:
                st.peak_in_flight = st.in_flight
            st.last_request = last
            if len(st.records) < MAX_RECORDS:
                st.records.append((op, last["body"]))
            latency = st.latency_ms
        t0 = time.monotonic()
        status = "closed"
        fault_kind = ""
        try:
            if latency:
                time.sleep(latency / 1000.0)
            try:
                verify_signature(method, path, headers, body, st.region,
                                 st.max_skew)
            except AuthError as e:
                with st.lock:
                    st.signature_failures += 1
                    st.auth_failures_by_type[e.type] = (
                        st.auth_failures_by_type.get(e.type, 0) + 1)
                status = self.respond(e.status, _err(e.type, e.message),
                                      extra=_err_header(e.type))
                return
            with st.lock:
                admitted = st.take_quota()
                fault = st.take_fault(op) if admitted else None
            if not admitted:
                fault_kind = "quota"
                status = self.respond(400, _err("ThrottlingException",
                                                "Rate exceeded"),
                                      extra=_err_header("ThrottlingException"))
                return
            if fault is not None:
                fault_kind = fault["kind"]
                status = self.apply_fault(fault, op, body)
                if status is not None:
                    return
            status = self.api_response(op, body)
        finally:
            with st.lock:
                st.in_flight -= 1
            if st.log is not None:
                st.write_log("%.6f %s %s %s %s %s %.3fms" % (
                    time.time(), method, path, target or "-", status,
                    fault_kind or "-", (time.monotonic() - t0) * 1000))

    def apply_fault(self, f, op, body):
        """Return the status written, "closed", or None to answer normally."""
        kind = f["kind"]
        if kind == "throttle":
            return self.respond(400, _err("ThrottlingException",
                                          "Rate exceeded"),
                                extra=_err_header("ThrottlingException"))
        if kind == "toomany":
            return self.respond(400, _err(
                "TooManyRequestsException", "Too many requests", "Message",
                Reason="CONCURRENT_QUERY_LIMIT_EXCEEDED"),
                extra=_err_header("TooManyRequestsException"))
        if kind == "http429":
            extra = ()
            if f.get("retry_after") is not None:
                extra = (("Retry-After", str(f["retry_after"])),)
            return self.respond(429, b'{"message":"Too Many Requests"}',
                                extra=extra,
                                off_model="fault http429: a proxy's answer")
        if kind == "http500":
            status = f.get("status", 500)
            return self.respond(status, _err("InternalServerException",
                                             "internal", "Message"),
                                extra=_err_header("InternalServerException"),
                                off_model=None if status == 500 else
                                "fault http500 with another status")
        if kind == "html503":
            return self.respond(503, HTML_503, ctype="text/html",
                                off_model="fault html503")
        if kind == "garbage":
            return self.respond(200, b"<<<not json>>>",
                                off_model="fault garbage")
        if kind == "oversized":
            sid = _session_id(body) or "oversized"
            return self.respond(f.get("status", 200),
                                oversized_body(sid, f.get("bytes",
                                                          OVERSIZE_BYTES)),
                                off_model="fault oversized")
        if kind == "redirect":
            return self.respond(302, b"", extra=(
                ("Location", f.get("location", REDIRECT_LOCATION)),),
                off_model="fault redirect")
        if kind == "stream":
            self.server.state.model_record(None, None, "fault stream")
            return self.stream_body(body, f.get("ms", 2))
        if kind == "misshaped":
            # NOT marked: the self-test's proof that the check catches it
            return self.respond(200, json.dumps(
                {"SessionId": _session_id(body) or "misshaped",
                 "EngineVersion": {"EffectiveEngineVersion": SPARK_ENGINE},
                 "Status": {"State": "IDLE"}}).encode())
        if kind == "denied":
            return self.respond(400, _err(
                "AccessDeniedException",
                "User: arn:aws:iam::123456789012:user/mock is not authorized "
                "to perform: athena:%s" % op, "Message"),
                extra=_err_header("AccessDeniedException"))
        if kind == "vanished":
            return self.invalid(MSG_GONE % (_session_id(body) or ""))
        if kind == "gone":
            sid = _session_id(body)
            if sid is None:
                # a listing: the resource gone is its workgroup
                wg = (_json_object(body) or {}).get("WorkGroup")
                return self.respond(400, _err(
                    "ResourceNotFoundException",
                    "WorkGroup %s not found" % wg, "Message",
                    ResourceName=str(wg)),
                    extra=_err_header("ResourceNotFoundException"))
            return self.not_found(sid)
        if kind == "slow":
            time.sleep(f.get("ms", 1000) / 1000.0)
            return None
        if kind == "reset":
            self.close_connection = True
            sock = self.connection
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
            except OSError:
                pass
            # makefile() objects hold references; close them so the socket
            # is really closed (RST) now.
            for fobj in (self.rfile, self.wfile):
                try:
                    fobj.close()
                except Exception:
                    pass
            sock.close()
            raise _Close()
        if kind == "empty":
            self.close_connection = True
            raise _Close()
        if kind == "lost":
            self.suppress_answer = True
            try:
                self.api_response(op, body)
            finally:
                self.suppress_answer = False
            self.close_connection = True
            raise _Close()
        if kind == "hang":
            self.close_connection = True
            sock = self.connection
            st = self.server.state
            while not st.stopping.is_set():
                try:
                    r, _, _ = select.select([sock], [], [], 0.2)
                    if r and not sock.recv(65536):
                        break
                except OSError:
                    break
            raise _Close()
        raise AssertionError(kind)

    def stream_body(self, body, pause_ms):
        """An 8 MiB chunked answer, sent slowly enough that what the client
        read before it went away is about what was sent."""
        st = self.server.state
        self.close_connection = True
        sid = _session_id(body) or "stream"
        chunk = 64 * 1024
        head = ('{"SessionId":%s,"Status":{"State":"IDLE","StateChangeReason":"'
                % json.dumps(sid)).encode()
        tail = b'"}}'
        total = 8 * 1024 * 1024
        pad = total - len(head) - len(tail)
        self.wfile.write(("HTTP/1.1 200 OK\r\nx-amzn-RequestId: %s\r\n"
                          "Content-Type: %s\r\nTransfer-Encoding: chunked\r\n"
                          "Connection: close\r\n\r\n"
                          % (uuid.uuid4(), JSON_CT)).encode("latin-1"))
        sent = 0
        with st.lock:
            st.stream_bytes_sent = 0
        try:
            pieces = [head] + [b"x" * chunk] * (pad // chunk) + \
                [b"x" * (pad % chunk), tail]
            for p in pieces:
                if not p:
                    continue
                self.wfile.write(b"%x\r\n%s\r\n" % (len(p), p))
                sent += len(p)
                with st.lock:
                    st.stream_bytes_sent = sent
                time.sleep(pause_ms / 1000.0)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        raise _Close()

    def api_response(self, op, body):
        handler = {"GetSessionStatus": self.op_session,
                   "GetSession": self.op_session,
                   "ListSessions": self.op_list_sessions,
                   "ListWorkGroups": self.op_list_work_groups,
                   "TerminateSession": self.op_session,
                   "GetCalculationExecutionStatus": self.op_calculation,
                   "GetCalculationExecution": self.op_calculation,
                   "GetCalculationExecutionCode": self.op_calculation,
                   "StopCalculationExecution": self.op_calculation,
                   "ListCalculationExecutions":
                       self.op_list_calculations,
                   "StartSession": self.op_start_session,
                   "StartCalculationExecution":
                       self.op_start_calculation}.get(op)
        if handler is None:
            return self.respond(400, _err(
                "UnknownOperationException",
                "Unknown operation %s" % (op or "(no X-Amz-Target)")),
                extra=_err_header("UnknownOperationException"))
        return handler(op, body)

    def invalid(self, message):
        return self.respond(400, _err("InvalidRequestException", message,
                                      "Message", AthenaErrorCode=INVALID_INPUT),
                            extra=_err_header("InvalidRequestException"))

    def not_found(self, sid):
        # ResourceName has 1 to 1011 characters in the model: none for a
        # call without a session id (the fault "gone" on a listing)
        members = {"ResourceName": sid} if sid else {}
        return self.respond(400, _err("ResourceNotFoundException",
                                      "Session %s not found" % sid,
                                      "Message", **members),
                            extra=_err_header("ResourceNotFoundException"))

    def op_session(self, op, body):
        """GetSessionStatus, GetSession and TerminateSession."""
        sid = _session_id(body)
        if sid is None:
            return self.invalid(
                "Request body must be a JSON object with a string SessionId")
        if not 1 <= len(sid) <= 256:
            return self.invalid(
                "1 validation error detected: Value at 'sessionId' failed "
                "to satisfy constraint: Member must have length between 1 "
                "and 256")
        h = HOSTILE.get(sid)
        if h is not None:
            return self.respond(h[0], h[2], ctype=h[1], extra=h[3],
                                off_model="hostile fixture %s" % sid)
        if sid.startswith(GONE_PREFIX):
            return self.invalid(MSG_GONE % sid)
        if sid.startswith(INVALID_PREFIX):
            return self.invalid(MSG_INVALID)
        st = self.server.state
        listed = LISTED_BY_ID.get(sid)
        if listed is None and sid.startswith("gen-"):
            listed = _gen_session(sid)
        if listed is None:
            with st.lock:
                listed = st.started_sessions.get(sid)
        b = FIXTURE_BYTES.get(sid)
        off = OFF_MODEL_FIXTURES.get(sid) if b is not None else None
        if listed is not None:
            listed = dict(listed, Status=st.status(sid, listed["Status"]))
        if op == "TerminateSession":
            if b is not None:
                status = json.loads(b)["Status"]
            elif listed is not None:
                status = listed["Status"]
            else:
                status = None
            if status is not None:
                return self.respond(200, json.dumps(
                    {"State": st.terminate(sid, status)}).encode())
        elif op == "GetSessionStatus":
            if b is not None and sid not in st.terminated:
                # the exact fixture text
                return self.respond(200, b, off_model=off)
            if b is not None:
                return self.respond(200, json.dumps(
                    {"SessionId": sid,
                     "Status": st.status(sid, json.loads(b)["Status"])},
                    ensure_ascii=False).encode(), off_model=off)
            if sid.startswith("gen-") and sid not in st.terminated:
                return self.respond(
                    200, (GEN_TEMPLATE % json.dumps(sid)).encode("utf-8"))
            if listed is not None:
                return self.respond(200, json.dumps(
                    {"SessionId": sid, "Status": listed["Status"]}).encode())
        else:
            if listed is not None:
                return self.respond(200, json.dumps(
                    get_session_body(listed), ensure_ascii=False).encode())
            if b is not None:
                # the status fixtures are sessions without any details
                return self.respond(200, json.dumps(
                    {"SessionId": sid,
                     "Status": st.status(sid, json.loads(b)["Status"])},
                    ensure_ascii=False).encode(), off_model=off)
        return self.not_found(sid)

    def calc_not_found(self, cid):
        members = {"ResourceName": cid} if cid else {}
        return self.respond(400, _err("ResourceNotFoundException",
                                      "Calculation %s not found" % cid,
                                      "Message", **members),
                            extra=_err_header("ResourceNotFoundException"))

    def op_calculation(self, op, body):
        """GetCalculationExecutionStatus, GetCalculationExecution,
        GetCalculationExecutionCode and StopCalculationExecution."""
        req = _json_object(body)
        cid = req.get("CalculationExecutionId") if req is not None else None
        if not isinstance(cid, str):
            return self.invalid("Request body must be a JSON object with a "
                                "string CalculationExecutionId")
        if not 1 <= len(cid) <= 36:
            return self.invalid(
                "1 validation error detected: Value at "
                "'calculationExecutionId' failed to satisfy constraint: "
                "Member must have length between 1 and 36")
        st = self.server.state
        c = CALCS_BY_ID.get(cid) or _gen_calc(cid) or st.started_calc(cid)
        if c is None:
            return self.calc_not_found(cid)
        c = st.calc(c)
        if op == "StopCalculationExecution":
            return self.respond(200, json.dumps(
                {"State": st.stop(c)}).encode())
        if op == "GetCalculationExecutionCode":
            out = {"CodeBlock": c["CodeBlock"]}
        elif op == "GetCalculationExecutionStatus":
            out = {"Status": c["Status"], "Statistics": c["Statistics"]}
        else:
            out = calc_body(c)
        return self.respond(200, json.dumps(out, ensure_ascii=False).encode())

    def check_token(self, req):
        """The ClientRequestToken of a Start, or an error answer."""
        token = req.get("ClientRequestToken")
        if token is not None and (not isinstance(token, str) or
                                  not 32 <= len(token) <= 128):
            return None, self.invalid(
                "1 validation error detected: Value at 'clientRequestToken' "
                "failed to satisfy constraint: Member must have length "
                "between 32 and 128")
        return token, None

    def op_start_session(self, op, body):
        req = _json_object(body)
        if req is None:
            return self.invalid("Request body must be a JSON object")
        wg = req.get("WorkGroup")
        engine = req.get("EngineConfiguration")
        if not isinstance(wg, str) or not wg:
            return self.invalid("WorkGroup is required")
        if wg not in WORKGROUP_INFO:
            return self.invalid("WorkGroup %s is not found" % wg)
        if WORKGROUP_INFO[wg][1] != SPARK_ENGINE:
            return self.invalid(MSG_NOT_SPARK)
        if WORKGROUP_INFO[wg][0] != "ENABLED":
            return self.invalid("WorkGroup %s is disabled" % wg)
        if not isinstance(engine, dict):
            return self.invalid("EngineConfiguration is required")
        dpus = engine.get("MaxConcurrentDpus")
        if not isinstance(dpus, int) or not 2 <= dpus <= 5000:
            return self.invalid("MaxConcurrentDpus must be between 2 and "
                                "5000")
        for k in ("CoordinatorDpuSize", "DefaultExecutorDpuSize"):
            if k in engine and engine[k] != 1:
                return self.invalid("%s must be 1" % k)
        token, error = self.check_token(req)
        if error:
            return error
        now = round(time.time(), 6)

        def make(n):
            details = {"EngineConfiguration": {
                k: engine[k] for k in ("CoordinatorDpuSize",
                                       "MaxConcurrentDpus",
                                       "DefaultExecutorDpuSize",
                                       "AdditionalConfigs", "SparkProperties")
                if k in engine}}
            if "ExecutionRole" in req:
                details["SessionConfiguration"] = {
                    "ExecutionRole": req["ExecutionRole"]}
            return _listed("started-%04d" % n, wg,
                           {"State": "IDLE", "StartDateTime": now,
                            "LastModifiedDateTime": now,
                            "IdleSinceDateTime": now},
                           req.get("Description"), details)

        sid, new = self.server.state.start(op, token, make)
        st = self.server.state
        state = ("CREATING" if new else
                 st.status(sid, st.started_sessions[sid]["Status"])["State"])
        return self.respond(200, json.dumps(
            {"SessionId": sid, "State": state}).encode())

    def op_start_calculation(self, op, body):
        req = _json_object(body)
        sid = req.get("SessionId") if req is not None else None
        if not isinstance(sid, str) or not 1 <= len(sid) <= 256:
            return self.invalid("SessionId is required")
        code = req.get("CodeBlock")
        config = req.get("CalculationConfiguration")
        if code is None and isinstance(config, dict):
            code = config.get("CodeBlock")
        if not isinstance(code, str):
            return self.invalid("CodeBlock is required")
        st = self.server.state
        with st.lock:
            session = st.started_sessions.get(sid)
        session = session or LISTED_BY_ID.get(sid)
        if session is None:
            return self.not_found(sid)
        state = st.status(sid, session["Status"])["State"]
        if state not in ("IDLE", "BUSY", "CREATED"):
            return self.invalid("Session %s is in the %s state" % (sid, state))
        token, error = self.check_token(req)
        if error:
            return error
        now = round(time.time(), 6)

        def make(n):
            c = _calc("calc-%04d" % n, sid, "CREATING", now,
                      description=req.get("Description"), code=code)
            return c

        cid, new = st.start(op, token, make)
        c = st.started_calc(cid)
        return self.respond(200, json.dumps(
            {"CalculationExecutionId": cid,
             "State": "CREATING" if new else c["Status"]["State"]}).encode())

    def op_list_calculations(self, op, body):
        req = _json_object(body)
        sid = req.get("SessionId") if req is not None else None
        if not isinstance(sid, str) or not 1 <= len(sid) <= 256:
            return self.invalid("SessionId is required")
        state = req.get("StateFilter")
        if state is not None and not isinstance(state, str):
            return self.invalid("StateFilter must be a string")
        st = self.server.state
        with st.lock:
            started = sid in st.started_sessions
            mine = [cid for cid, c in st.started_calcs.items()
                    if c["SessionId"] == sid]
        if sid not in LISTED_BY_ID and not started and not (
                sid.startswith("gen-") and
                _gen_session(sid)["WorkGroup"] is not None):
            return self.not_found(sid)
        key = "ListCalculationExecutions|%s|%s" % (sid, state)
        page, error = self.paging(op, req, 100, key)
        if error:
            return self.invalid(error)
        offset, n = page
        rows = [st.started_calc(cid) for cid in reversed(mine)]
        rows += [st.calc(c) for c in session_calcs(sid)]
        if state is not None:
            rows = [c for c in rows if c["Status"]["State"] == state]
        out = {"Calculations": [calc_summary(c)
                                for c in rows[offset:offset + n]]}
        if offset + n < len(rows):
            out["NextToken"] = self.next_token(offset + n, key)
        return self.respond(200, json.dumps(out, ensure_ascii=False).encode())

    def paging(self, op, req, max_results, key):
        """(offset, page size) of a paged request, or an error string.
        key ties a NextToken to the listing it came from."""
        n = req.get("MaxResults", max_results)
        if not isinstance(n, int) or isinstance(n, bool) or \
                not 1 <= n <= max_results:
            return None, "MaxResults must be between 1 and %d" % max_results
        cap = self.server.state.page_cap.get(op)
        if cap:
            n = min(n, cap)
        token = req.get("NextToken")
        if token is None:
            return (0, n), None
        want = "." + hashlib.sha256(key.encode()).hexdigest()[:12]
        if (not isinstance(token, str) or not token.startswith("page.")
                or not token.endswith(want)
                or not token[5:-len(want)].isdigit()):
            return None, "The NextToken is not valid for this request"
        return (int(token[5:-len(want)]), n), None

    @staticmethod
    def next_token(offset, key):
        return "page.%d.%s" % (offset,
                               hashlib.sha256(key.encode()).hexdigest()[:12])

    def op_list_sessions(self, op, body):
        req = _json_object(body)
        wg = req.get("WorkGroup") if req is not None else None
        if not isinstance(wg, str) or not wg:
            return self.invalid("WorkGroup is required")
        state = req.get("StateFilter")
        if state is not None and not isinstance(state, str):
            return self.invalid("StateFilter must be a string")
        if wg in WORKGROUP_INFO:
            if WORKGROUP_INFO[wg][1] != SPARK_ENGINE:
                return self.invalid(MSG_NOT_SPARK)
        elif _gen_workgroup_size(wg) is None:
            return self.invalid("WorkGroup %s is not found" % wg)
        key = "ListSessions|%s|%s" % (wg, state)
        page, error = self.paging(op, req, 100, key)
        if error:
            return self.invalid(error)
        offset, n = page
        st = self.server.state
        with st.lock:
            started = [s for s in st.started_sessions.values()
                       if s["WorkGroup"] == wg]
        rows = [dict(s, Status=st.status(s["SessionId"], s["Status"]))
                for s in list(reversed(started)) + list(workgroup_sessions(wg))]
        rows = [s for s in rows
                if (s["Status"]["State"] == state if state is not None
                    else s["Status"]["State"] not in ENDED_STATES)]
        out = {"Sessions": [session_summary(s)
                            for s in rows[offset:offset + n]]}
        if offset + n < len(rows):
            out["NextToken"] = self.next_token(offset + n, key)
        return self.respond(200, json.dumps(out, ensure_ascii=False).encode())

    def op_list_work_groups(self, op, body):
        req = _json_object(body)
        if req is None:
            return self.invalid("Request body must be a JSON object")
        page, error = self.paging(op, req, 50, "ListWorkGroups")
        if error:
            return self.invalid(error)
        offset, n = page
        out = {"WorkGroups": [
            {"Name": name, "State": state,
             "Description": "workgroup %s" % name,
             "CreationTime": 1690000000,
             "EngineVersion": {"SelectedEngineVersion": engine,
                               "EffectiveEngineVersion": engine}}
            for name, state, engine in WORKGROUPS[offset:offset + n]]}
        if offset + n < len(WORKGROUPS):
            out["NextToken"] = self.next_token(offset + n, "ListWorkGroups")
        return self.respond(200, json.dumps(out).encode())


def _json_object(body):
    try:
        obj = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return obj if isinstance(obj, dict) else None


def _session_id(body):
    obj = _json_object(body)
    sid = obj.get("SessionId") if obj is not None else None
    return sid if isinstance(sid, str) else None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def get_request(self):
        sock, addr = ThreadingHTTPServer.get_request(self)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        with self.state.lock:
            self.state.tcp_accepts += 1
        return sock, addr

    def handle_error(self, request, client_address):
        pass  # connection-level noise (client resets) is expected


class TlsServer(Server):
    """The same endpoint over TLS (--tls-cert): for the client's refusal of a
    certificate it cannot trust.  The handshake runs in the request's thread,
    after the TCP accept was counted, so that a refused handshake still
    counts as one tcp_accepts."""

    ssl_context = None

    def get_request(self):
        sock, addr = Server.get_request(self)
        return (self.ssl_context.wrap_socket(
            sock, server_side=True, do_handshake_on_connect=False), addr)

    def finish_request(self, request, client_address):
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError):
            with self.state.lock:
                self.state.tls_handshake_failures += 1
            return
        Server.finish_request(self, request, client_address)


def write_port_file(path, port):
    d = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(d, ".%s.%d.tmp" % (os.path.basename(path), os.getpid()))
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Mock Amazon Athena endpoint")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--latency-ms", type=int, default=0)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--log")
    ap.add_argument("--max-skew-s", type=int, default=900)
    ap.add_argument("--quota-rps", type=float, default=0)
    ap.add_argument("--quota-burst", type=float)
    ap.add_argument("--dump-fixtures", action="store_true")
    ap.add_argument("--tls-cert", help="PEM certificate: also serve over TLS")
    ap.add_argument("--tls-key", help="PEM private key of --tls-cert")
    ap.add_argument("--tls-port-file", help="where to write the TLS port")
    a = ap.parse_args(argv)

    if a.dump_fixtures:
        out = {k: {"status": 200, "body": v} for k, v in FIXTURES.items()}
        for k, (status, ctype, b, extra) in HOSTILE.items():
            out[k] = {"status": status, "content_type": ctype,
                      "body": b.decode("utf-8", "backslashreplace")
                      if len(b) < 4096 else "<%d bytes>" % len(b),
                      "headers": dict(extra)}
        json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0

    # Handlers first: whoever reads the port file may signal us at once.
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    state = State(a.latency_ms, a.region, a.max_skew_s, a.log,
                  a.quota_rps, a.quota_burst)
    srv = Server(("127.0.0.1", a.port), Handler, bind_and_activate=False)
    srv.state = state
    srv.identity = identity.Identity(
        KEYS, lambda m, p, h, b, service, required: verify_signature(
            m, p, h, b, state.region, state.max_skew, service, required),
        AuthError)
    srv.server_bind()
    srv.server_activate()
    port = srv.server_address[1]
    if a.port_file:
        write_port_file(a.port_file, port)

    tls_srv = None
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        tls_srv = TlsServer(("127.0.0.1", 0), Handler)
        tls_srv.state = state
        tls_srv.identity = srv.identity
        tls_srv.ssl_context = ctx
        threading.Thread(target=tls_srv.serve_forever, kwargs={
            "poll_interval": 0.2}, daemon=True).start()
        if a.tls_port_file:
            write_port_file(a.tls_port_file, tls_srv.server_address[1])

    t = threading.Thread(target=srv.serve_forever, kwargs={
        "poll_interval": 0.2}, daemon=True)
    t.start()
    while not stop.wait(0.5):
        pass
    state.stopping.set()
    srv.shutdown()
    srv.server_close()
    if tls_srv is not None:
        tls_srv.shutdown()
        tls_srv.server_close()
    if state.log is not None:
        state.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

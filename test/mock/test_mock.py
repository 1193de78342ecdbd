#!/usr/bin/python3
"""Self-test of test/mock/mock_athena.py and test/mock/mockctl.py.

    /usr/bin/python3 test/mock/test_mock.py [-v]

Starts the mock on a free port and drives it with boto3's real Athena
client (so botocore validates the JSON shapes and signs the requests) and
with raw HTTP for the fixtures and faults botocore cannot express.
Prints the mean per-call cost of a keep-alive boto3 client at latency 0.
"""

import concurrent.futures
import datetime
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import warnings

import boto3
import botocore.exceptions
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

HERE = os.path.dirname(os.path.abspath(__file__))
MOCK = os.path.join(HERE, "mock_athena.py")
CTL = os.path.join(HERE, "mockctl.py")
PY = "/usr/bin/python3"

STATIC = ("AKIDMOCKSTATIC", "mock/static/SECRET+key0123456789abcdefEXAMPLE",
          None)
TEMP = ("ASIAMOCKTEMP", "mock/temp/SECRET+key0123456789abcdefEXAMPLE",
        "mock-session-token/EXAMPLE+0123456789==")
REGION = "us-east-1"
TARGET = "AmazonAthena.GetSessionStatus"
MIB2 = 2 * 1024 * 1024
BAD_SIG_MSG = ("The request signature we calculated does not match the "
               "signature you provided. Check your AWS Secret Access Key and "
               "signing method. Consult the service documentation for "
               "details.")

# Exact bodies the FDW's tests rely on (independent copy of the table).
EXPECTED_BODIES = {
    "s-idle": '{"SessionId":"s-idle","Status":{"State":"IDLE",'
              '"StartDateTime":1700000000.123456,'
              '"LastModifiedDateTime":1700000100.5,'
              '"IdleSinceDateTime":1700000100.5}}',
    "s-busy": '{"SessionId":"s-busy","Status":{"State":"BUSY",'
              '"StartDateTime":1700000200,"LastModifiedDateTime":1700000300.25}}',
    "s-creating": '{"SessionId":"s-creating","Status":{"State":"CREATING",'
                  '"StartDateTime":1700001000}}',
    "s-created": '{"SessionId":"s-created","Status":{"State":"CREATED",'
                 '"StartDateTime":1700001000.000001,'
                 '"LastModifiedDateTime":1700001001}}',
    "s-terminating": '{"SessionId":"s-terminating","Status":{"State":'
                     '"TERMINATING","StateChangeReason":"Terminated by user",'
                     '"StartDateTime":1700002000,'
                     '"LastModifiedDateTime":1700002500}}',
    "s-terminated": '{"SessionId":"s-terminated","Status":{"State":'
                    '"TERMINATED","StateChangeReason":"Session was terminated'
                    ' by user request","StartDateTime":1699990000.999999,'
                    '"LastModifiedDateTime":1699999999.5,'
                    '"EndDateTime":1699999999.5}}',
    "s-degraded": '{"SessionId":"s-degraded","Status":{"State":"DEGRADED",'
                  '"StateChangeReason":"Spark driver is unhealthy",'
                  '"StartDateTime":1700003000,'
                  '"LastModifiedDateTime":1700003100}}',
    "s-failed": '{"SessionId":"s-failed","Status":{"State":"FAILED",'
                '"StateChangeReason":"Session failed: out of memory",'
                '"StartDateTime":1700004000,"LastModifiedDateTime":1700004001,'
                '"EndDateTime":1700004001}}',
    "s-exp": '{"SessionId":"s-exp","Status":{"State":"IDLE",'
             '"StartDateTime":1.7000000001234567E9,'
             '"LastModifiedDateTime":17000000005e-1,'
             '"IdleSinceDateTime":1.7000000005E9}}',
    "s-future": '{"SessionId":"s-future","Status":{"State":"HIBERNATING",'
                '"StartDateTime":1700005000}}',
    "s-unicode": '{"SessionId":"s-unicode","Status":{"State":"IDLE",'
                 '"StateChangeReason":"Ünïcødé ✓ reason",'
                 '"StartDateTime":1700006000}}',
    "s-min": '{"SessionId":"s-min","Status":{}}',
    "s-nulls": '{"SessionId":"s-nulls","Status":{"State":null,'
               '"StateChangeReason":null,"StartDateTime":null,'
               '"LastModifiedDateTime":null,"EndDateTime":null,'
               '"IdleSinceDateTime":null}}',
    "s-extra": '{"SessionId":"s-extra","Foo":1,"Status":{"State":"IDLE",'
               '"StartDateTime":1700007000,"Bar":{"x":[1,2]}}}',
    "gen-000123": '{"SessionId":"gen-000123","Status":{"State":"IDLE",'
                  '"StartDateTime":1700000000,'
                  '"LastModifiedDateTime":1700000060,'
                  '"IdleSinceDateTime":1700000060}}',
}

# id -> (State, StateChangeReason, Start, LastModified, End, IdleSince)
EXPECTED_PARSED = {
    "s-idle": ("IDLE", None, 1700000000.123456, 1700000100.5, None,
               1700000100.5),
    "s-busy": ("BUSY", None, 1700000200, 1700000300.25, None, None),
    "s-creating": ("CREATING", None, 1700001000, None, None, None),
    "s-created": ("CREATED", None, 1700001000.000001, 1700001001, None,
                  None),
    "s-terminating": ("TERMINATING", "Terminated by user", 1700002000,
                      1700002500, None, None),
    "s-terminated": ("TERMINATED", "Session was terminated by user request",
                     1699990000.999999, 1699999999.5, 1699999999.5, None),
    "s-degraded": ("DEGRADED", "Spark driver is unhealthy", 1700003000,
                   1700003100, None, None),
    "s-failed": ("FAILED", "Session failed: out of memory", 1700004000,
                 1700004001, 1700004001, None),
    "s-exp": ("IDLE", None, 1700000000.1234567, 1700000000.5, None,
              1700000000.5),
    "s-future": ("HIBERNATING", None, 1700005000, None, None, None),
    "s-unicode": ("IDLE", "Ünïcødé ✓ reason", 1700006000, None, None, None),
    "s-min": (None,) * 6,
    "s-nulls": (None,) * 6,
    "s-extra": ("IDLE", None, 1700007000, None, None, None),
    "gen-xyz": ("IDLE", None, 1700000000, 1700000060, None, 1700000060),
}


class Mock:
    def __init__(self, *extra, log=True):
        self.dir = tempfile.mkdtemp(prefix="mockathena.")
        self.port_file = os.path.join(self.dir, "port")
        args = [PY, MOCK, "--port", "0", "--port-file", self.port_file]
        if log:
            args += ["--log", os.path.join(self.dir, "log")]
        self.proc = subprocess.Popen(args + list(extra))
        deadline = time.monotonic() + 10
        while not os.path.exists(self.port_file):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("mock did not start")
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.port = int(f.read())
        self.url = "http://127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)
        return self.proc.returncode

    def ctl(self, *args):
        r = subprocess.run([PY, CTL, "--port", str(self.port)] + list(args),
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError("mockctl %s: %s" % (args, r.stderr))
        return r.stdout

    def stats(self):
        return json.loads(self.ctl("stats"))


def client(mock, creds=STATIC, region=REGION, retries=1, pool=10):
    """boto3 Athena client; retries = TOTAL attempts.

    Note: botocore's retries={"max_attempts": N} counts RETRIES (N=1 means
    two attempts); "total_max_attempts" counts the initial call too.
    """
    akid, secret, token = creds
    return boto3.client(
        "athena", endpoint_url=mock.url, region_name=region,
        aws_access_key_id=akid, aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(retries={"total_max_attempts": retries,
                              "mode": "standard"},
                      max_pool_connections=pool, read_timeout=10,
                      connect_timeout=5))


def signed(mock, body, target=TARGET, creds=STATIC, region=REGION,
           timestamp=None, extra=None, after=None):
    """Build raw (headers, body) signed by botocore's SigV4Auth."""
    akid, secret, token = creds
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1",
               "X-Amz-Target": target}
    headers.update(extra or {})
    req = AWSRequest("POST", mock.url + "/", data=body, headers=headers)
    auth = SigV4Auth(Credentials(akid, secret, token), "athena", region)
    if timestamp is None:
        auth.add_auth(req)
    else:
        req.context["timestamp"] = timestamp
        auth._modify_request_before_signing(req)
        cr = auth.canonical_request(req)
        sig = auth.signature(auth.string_to_sign(req, cr), req)
        auth._inject_signature_to_request(req, sig)
    h = dict(req.headers.items())
    h["Host"] = "127.0.0.1:%d" % mock.port
    h.update(after or {})
    return h, body


def raw(mock, headers, body, conn=None, timeout=10):
    """One request; returns (status, headers dict lower-case, body)."""
    c = conn or http.client.HTTPConnection("127.0.0.1", mock.port,
                                           timeout=timeout)
    c.request("POST", "/", body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    if conn is None:
        c.close()
    return r.status, hdrs, data


def raw_sid(mock, sid, **kw):
    h, b = signed(mock, {"SessionId": sid})
    return raw(mock, h, b, **kw)


def pages_of(operation, **kw):
    """Every page of a listing (this botocore has no paginators for it)."""
    pages = [operation(**kw)]
    while "NextToken" in pages[-1]:
        pages.append(operation(NextToken=pages[-1]["NextToken"], **kw))
    return pages


def ts(dt):
    return None if dt is None else dt.timestamp()


class Base(unittest.TestCase):
    def setUp(self):
        # half-closed sockets from the fault tests are expected
        warnings.simplefilter("ignore", ResourceWarning)


class MockTest(Base):
    @classmethod
    def setUpClass(cls):
        cls.mock = Mock()
        cls.c = client(cls.mock)

    @classmethod
    def tearDownClass(cls):
        rc = cls.mock.stop()
        assert rc == 0, rc

    def setUp(self):
        Base.setUp(self)
        self.mock.ctl("reset")

    def err(self, fn, code):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn()
        e = cm.exception.response
        self.assertEqual(e["Error"]["Code"], code)
        return e

    # -- fixtures -------------------------------------------------------------
    def test_fixtures_via_boto3(self):
        for sid, exp in EXPECTED_PARSED.items():
            with self.subTest(sid=sid):
                r = self.c.get_session_status(SessionId=sid)
                self.assertEqual(r["SessionId"], sid)
                st = r["Status"]
                got = (st.get("State"), st.get("StateChangeReason"),
                       ts(st.get("StartDateTime")),
                       ts(st.get("LastModifiedDateTime")),
                       ts(st.get("EndDateTime")),
                       ts(st.get("IdleSinceDateTime")))
                self.assertEqual(got[:2], exp[:2])
                for g, e in zip(got[2:], exp[2:]):
                    if e is None:
                        self.assertIsNone(g)
                    else:
                        self.assertAlmostEqual(g, e, delta=2e-6)

    def test_exact_bodies(self):
        sys.path.insert(0, HERE)
        import mock_athena
        self.assertEqual(set(mock_athena.FIXTURES),
                         set(k for k in EXPECTED_BODIES
                             if not k.startswith("gen-")))
        for sid, body in EXPECTED_BODIES.items():
            with self.subTest(sid=sid):
                status, h, data = raw_sid(self.mock, sid)
                self.assertEqual(status, 200)
                self.assertEqual(data, body.encode("utf-8"))
                self.assertEqual(h["content-type"],
                                 "application/x-amz-json-1.1")
                self.assertRegex(h["x-amzn-requestid"],
                                 r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                                 r"[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
                json.loads(data)

    def test_generated_ids_echo(self):
        for sid in ("gen-1", "gen-" + "x" * 100, 'gen-"quoted"\\'):
            r = self.c.get_session_status(SessionId=sid)
            self.assertEqual(r["SessionId"], sid)
            self.assertEqual(r["Status"]["State"], "IDLE")

    def test_hostile(self):
        m = self.mock
        s, h, d = raw_sid(m, "hostile-garbage")
        self.assertEqual((s, d), (200, b"this is not json"))
        s, h, d = raw_sid(m, "hostile-html")
        self.assertEqual((s, h["content-type"], d),
                         (503, "text/html",
                          b"<html><body>Service Unavailable</body></html>"))
        s, h, d = raw_sid(m, "hostile-truncated")
        self.assertEqual(s, 200)
        self.assertTrue(d.startswith(b'{"SessionId":"hostile-truncated"'))
        self.assertRaises(ValueError, json.loads, d)
        s, h, d = raw_sid(m, "hostile-empty")
        self.assertEqual((s, d, h["content-length"]), (200, b"", "0"))
        s, h, d = raw_sid(m, "hostile-wrongtype-number")
        self.assertEqual(json.loads(d)["Status"]["StartDateTime"],
                         "yesterday")
        s, h, d = raw_sid(m, "hostile-wrongtype-string")
        self.assertIsInstance(json.loads(d)["Status"]["State"], dict)
        s, h, d = raw_sid(m, "hostile-nostatus")
        self.assertEqual(d, b'{"SessionId":"hostile-nostatus"}')
        s, h, d = raw_sid(m, "hostile-badutf8")
        self.assertIn(b"\xff\xfe", d)
        self.assertRaises(UnicodeDecodeError, d.decode, "utf-8")
        s, h, d = raw_sid(m, "hostile-nul")
        self.assertIn(b'"a\\u0000b"', d)
        self.assertEqual(json.loads(d)["Status"]["StateChangeReason"],
                         "a\x00b")
        s, h, d = raw_sid(m, "hostile-array")
        self.assertIsInstance(json.loads(d), list)
        s, h, d = raw_sid(m, "hostile-oversized")
        self.assertEqual((s, len(d)), (200, MIB2))
        self.assertEqual(json.loads(d)["SessionId"], "hostile-oversized")
        s, h, d = raw_sid(m, "hostile-redirect")
        self.assertEqual((s, h["location"], d),
                         (302, "http://127.0.0.1:1/", b""))
        # botocore on a few of them
        self.err(lambda: self.c.get_session_status(SessionId="hostile-html"),
                 "503")

    def test_not_found_and_bad_requests(self):
        e = self.err(lambda: self.c.get_session_status(SessionId="nope"),
                     "ResourceNotFoundException")
        self.assertEqual(e["Error"]["Message"], "Session nope not found")
        self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"], 400)
        m = self.mock
        for body in (b"not json", b"[]", b"{}", b'{"SessionId":5}'):
            h, b = signed(m, body)
            s, _, d = raw(m, h, b)
            self.assertEqual(s, 400)
            self.assertEqual(json.loads(d)["__type"],
                             "InvalidRequestException")
        h, b = signed(m, {"SessionId": "s-idle"},
                      target="AmazonAthena.CreateSession")
        s, _, d = raw(m, h, b)
        self.assertEqual((s, json.loads(d)["__type"]),
                         (400, "UnknownOperationException"))
        self.assertEqual(json.loads(m.ctl("stats"))["requests_by_op"],
                         {"GetSessionStatus": 5, "CreateSession": 1})

    # -- listings and GetSession ----------------------------------------------
    def test_list_work_groups_paging(self):
        self.mock.ctl("pagesize", "ListWorkGroups", "2")
        pages = pages_of(self.c.list_work_groups)
        self.assertEqual([[w["Name"] for w in p["WorkGroups"]] for p in pages],
                         [["primary", "spark-analytics"],
                          ["spark-archive", "spark-etl"], ["sql-reports"]])
        wg = pages[0]["WorkGroups"][1]
        self.assertEqual((wg["State"],
                          wg["EngineVersion"]["EffectiveEngineVersion"]),
                         ("ENABLED", "PySpark engine version 3"))
        self.assertEqual(
            pages[0]["WorkGroups"][0]["EngineVersion"]
            ["EffectiveEngineVersion"], "Athena engine version 3")
        self.assertEqual(self.mock.stats()["requests_by_op"],
                         {"ListWorkGroups": 3})

    def test_list_sessions(self):
        def ids(**kw):
            return [x["SessionId"] for x in
                    self.c.list_sessions(**kw)["Sessions"]]
        self.assertEqual(ids(WorkGroup="spark-analytics"),
                         ["la-idle-1", "la-busy", "la-idle-2"])
        self.assertEqual(ids(WorkGroup="spark-analytics", StateFilter="IDLE"),
                         ["la-idle-1", "la-idle-2"])
        self.assertEqual(ids(WorkGroup="spark-analytics",
                             StateFilter="TERMINATED"), ["la-terminated"])
        self.assertEqual(ids(WorkGroup="spark-etl"),
                         ["le-idle", "le-creating"])
        item = self.c.list_sessions(WorkGroup="spark-analytics",
                                    MaxResults=1)["Sessions"][0]
        self.assertEqual((item["Description"], item["NotebookVersion"],
                          item["EngineVersion"]["EffectiveEngineVersion"],
                          item["Status"]["State"],
                          ts(item["Status"]["LastModifiedDateTime"])),
                         ("nightly model", "Athena notebook version 1",
                          "PySpark engine version 3", "IDLE", 1700100600.5))
        pages = pages_of(self.c.list_sessions, WorkGroup="gen-250",
                         MaxResults=100)
        got = [x["SessionId"] for p in pages for x in p["Sessions"]]
        self.assertEqual([len(p["Sessions"]) for p in pages], [100, 100, 50])
        self.assertEqual(got, ["gen-250-%05d" % i for i in range(250)])
        e = self.err(lambda: self.c.list_sessions(WorkGroup="primary"),
                     "InvalidRequestException")
        self.assertEqual(e["Error"]["Message"],
                         "Workgroup EngineVersion is not Spark.")
        self.err(lambda: self.c.list_sessions(WorkGroup="nope"),
                 "InvalidRequestException")
        self.err(lambda: self.c.list_sessions(WorkGroup="gen-250",
                                              NextToken="page.5.bogus"),
                 "InvalidRequestException")
        first = self.c.list_sessions(WorkGroup="gen-250", MaxResults=100)
        self.err(lambda: self.c.list_sessions(
            WorkGroup="gen-250", StateFilter="IDLE",
            NextToken=first["NextToken"]), "InvalidRequestException")

    def test_get_session(self):
        r = self.c.get_session(SessionId="la-idle-1")
        self.assertEqual((r["WorkGroup"], r["Description"],
                          r["EngineVersion"],
                          r["NotebookVersion"], r["Status"]["State"]),
                         ("spark-analytics", "nightly model",
                          "PySpark engine version 3",
                          "Athena notebook version 1", "IDLE"))
        ec = r["EngineConfiguration"]
        self.assertEqual((ec["CoordinatorDpuSize"], ec["MaxConcurrentDpus"],
                          ec["DefaultExecutorDpuSize"],
                          ec["AdditionalConfigs"]["NotebookId"]),
                         (1, 20, 1, "nb-7f3a"))
        # Debian's botocore predates SparkProperties: read it raw
        h, b = signed(self.mock, {"SessionId": "la-idle-1"},
                      target="AmazonAthena.GetSession")
        s, _, d = raw(self.mock, h, b)
        self.assertEqual(json.loads(d)["EngineConfiguration"]
                         ["SparkProperties"]["spark.executor.memory"], "4g")
        sc = r["SessionConfiguration"]
        self.assertEqual((sc["ExecutionRole"], sc["IdleTimeoutSeconds"],
                          r["Statistics"]["DpuExecutionInMillis"]),
                         ("arn:aws:iam::123456789012:role/AthenaSpark", 900,
                          5400123))
        r = self.c.get_session(SessionId="la-idle-2")
        self.assertNotIn("EngineConfiguration", r)
        self.assertEqual(r["Status"]["State"], "IDLE")
        r = self.c.get_session(SessionId="s-busy")
        self.assertEqual((r["Status"]["State"], "WorkGroup" in r),
                         ("BUSY", False))
        r = self.c.get_session(SessionId="gen-7-00003")
        self.assertEqual(r["WorkGroup"], "gen-7")
        self.assertEqual(
            self.c.get_session_status(SessionId="la-busy")["Status"]["State"],
            "BUSY")
        for call in (self.c.get_session, self.c.get_session_status):
            e = self.err(lambda: call(SessionId="vanished-1"),
                         "InvalidRequestException")
            self.assertEqual(e["Error"]["Message"],
                             "Session ID vanished-1 was not found")
            e = self.err(lambda: call(SessionId="locked-1"),
                         "InvalidRequestException")
            self.assertNotIn("not found", e["Error"]["Message"])
            self.err(lambda: call(SessionId="nope"),
                     "ResourceNotFoundException")
        h, b = signed(self.mock, {"SessionId": "x" * 257})
        s, _, d = raw(self.mock, h, b)
        self.assertEqual((s, json.loads(d)["__type"]),
                         (400, "InvalidRequestException"))

    # -- the model check -------------------------------------------------------
    def test_model_check_catches_misshaped(self):
        """A GetSession answer with EngineVersion an object (the shape of
        SessionSummary's, not GetSessionResponse's), not marked off-model:
        counted as a violation, and mockctl model --check fails."""
        m = self.mock
        before = m.stats()["model"]
        m.ctl("fault", "misshaped", "--op", "GetSession")
        h, b = signed(m, {"SessionId": "la-idle-1"},
                      target="AmazonAthena.GetSession")
        self.assertEqual(raw(m, h, b)[0], 200)
        after = m.stats()["model"]
        self.assertEqual(after["violations"] - before["violations"], 1)
        self.assertEqual(after["problems"][-1],
                         "GetSession 200: GetSession.EngineVersion is not a "
                         "string (NameString)")
        r = subprocess.run([PY, CTL, "--port", str(m.port), "model",
                            "--check"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("violations %d" % after["violations"], r.stdout)
        # a fault marked off-model is counted apart, not as a violation
        m.ctl("fault", "garbage")
        raw_sid(m, "s-idle")
        last = m.stats()["model"]
        self.assertEqual((last["violations"], last["off_model"]),
                         (after["violations"], after["off_model"] + 1))

    def test_model_check_rules(self):
        """What check_athena and check_sts refuse, one rule at a time."""
        import model_check as mc
        hdr = [("x-amzn-ErrorType", "InvalidRequestException:http://x/")]
        ok = {"SessionId": "s", "Status": {"State": "IDLE",
                                           "StartDateTime": 1700000000.5}}
        self.assertEqual(mc.check_athena("GetSessionStatus", 200,
                                         json.dumps(ok)), [])
        cases = [
            ("GetSessionStatus", {"SessionId": "s",
                                  "Status": {"State": "idle"}},
             "GetSessionStatus.Status.State is 'idle', not one of"),
            ("GetSessionStatus", {"SessionId": "s", "Foo": 1},
             "GetSessionStatus.Foo is not a member of"),
            ("GetSessionStatus", {"SessionId": None},
             "GetSessionStatus.SessionId is null"),
            ("GetSessionStatus", {"Status": {"StartDateTime": "1700"}},
             "GetSessionStatus.Status.StartDateTime is not a number"),
            ("GetSession", {"EngineConfiguration": {"CoordinatorDpuSize": 1}},
             "GetSession.EngineConfiguration.MaxConcurrentDpus is required"),
            ("GetSession", {"EngineConfiguration": {
                "MaxConcurrentDpus": 2, "SparkProperties": {"a": 1}}},
             "GetSession.EngineConfiguration.SparkProperties['a'] is not a "
             "string"),
            ("ListSessions", {"Sessions": {}},
             "ListSessions.Sessions is not a list"),
            ("ListWorkGroups", {"WorkGroups": [{"Name": "w",
                                                "State": "ON"}]},
             "ListWorkGroups.WorkGroups[0].State is 'ON'"),
        ]
        for op, body, want in cases:
            got = mc.check_athena(op, 200, json.dumps(body))
            self.assertTrue(any(p.startswith(want) for p in got), (want, got))
        # the members added since botocore 1.29 pass, by their types
        self.assertEqual(mc.check_athena("GetSession", 200, json.dumps({
            "EngineConfiguration": {
                "MaxConcurrentDpus": 2, "SparkProperties": {"a": "b"},
                "Classifications": [{"Name": "n", "Properties": {}}]},
            "SessionConfiguration": {"SessionIdleTimeoutInMinutes": 15},
            "MonitoringConfiguration": {
                "S3LoggingConfiguration": {"Enabled": True}}})), [])
        err = {"__type": "InvalidRequestException", "Message": "m",
               "AthenaErrorCode": "INVALID_INPUT"}
        self.assertEqual(mc.check_athena("ListSessions", 400,
                                         json.dumps(err), hdr), [])
        self.assertEqual(mc.check_athena("ListSessions", 400,
                                         json.dumps(err)),
                         ["error InvalidRequestException without an "
                          "x-amzn-ErrorType header"])
        self.assertEqual(mc.check_athena("ListSessions", 400, json.dumps(
            dict(err, ResourceName="r")), hdr),
            ["InvalidRequestException.ResourceName is not a member of "
             "InvalidRequestException"])
        self.assertEqual(mc.check_athena("GetSession", 400, json.dumps(
            {"__type": "NoSuchThing", "message": "m"}),
            [("x-amzn-ErrorType", "NoSuchThing")]),
            ["error type 'NoSuchThing' is neither in Athena's model nor one "
             "of AWS's common errors"])
        ns = "https://sts.amazonaws.com/doc/2011-06-15/"
        good = ('<AssumeRoleResponse xmlns="%s"><AssumeRoleResult>'
                '<Credentials><AccessKeyId>ASIAX123456789012</AccessKeyId>'
                '<SecretAccessKey>s</SecretAccessKey><SessionToken>t'
                '</SessionToken><Expiration>2026-01-01T00:00:00Z'
                '</Expiration></Credentials></AssumeRoleResult>'
                '<ResponseMetadata><RequestId>r</RequestId>'
                '</ResponseMetadata></AssumeRoleResponse>' % ns)
        self.assertEqual(mc.check_sts("AssumeRole", 200, good), [])
        self.assertEqual(mc.check_sts("AssumeRole", 200, good.replace(
            "2026-01-01T00:00:00Z", "tomorrow")),
            ["AssumeRole.Credentials.Expiration is not an ISO 8601 time: "
             "'tomorrow'"])
        self.assertEqual(mc.check_sts("AssumeRole", 200, good.replace(
            "<SessionToken>t</SessionToken>", "")),
            ["AssumeRole.Credentials.SessionToken is required by "
             "Credentials but absent"])

    def test_zz_model_clean(self):
        """Runs last: of every answer this mock sent in the whole self-test,
        only the misshaped probe was off the model."""
        m = self.mock.stats()["model"]
        self.assertGreater(m["checked"], 100)
        self.assertEqual(m["problems"], [
            "GetSession 200: GetSession.EngineVersion is not a string "
            "(NameString)"], m["problems"])

    def test_request_records(self):
        self.c.list_sessions(WorkGroup="spark-etl", StateFilter="IDLE",
                             MaxResults=100)
        self.c.get_session(SessionId="le-idle")
        self.assertEqual(self.mock.ctl("requests").splitlines(), [
            'GetSession {"SessionId":"le-idle"}',
            'ListSessions {"MaxResults":100,"StateFilter":"IDLE",'
            '"WorkGroup":"spark-etl"}'])
        self.assertEqual(self.mock.ctl("requests", "GetSession"),
                         'GetSession {"SessionId":"le-idle"}\n')
        self.mock.ctl("reset")
        self.assertEqual(self.mock.ctl("requests"), "")

    # -- authentication -------------------------------------------------------
    def test_wrong_secret(self):
        c = client(self.mock, creds=(STATIC[0], "wrong", None))
        e = self.err(lambda: c.get_session_status(SessionId="s-idle"),
                     "InvalidSignatureException")
        self.assertEqual(e["Error"]["Message"], BAD_SIG_MSG)
        self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertEqual(self.mock.ctl("sigfail"), "1\n")

    def test_unknown_key(self):
        c = client(self.mock, creds=("AKIDUNKNOWN", STATIC[1], None))
        e = self.err(lambda: c.get_session_status(SessionId="s-idle"),
                     "UnrecognizedClientException")
        self.assertEqual(e["Error"]["Message"],
                         "The security token included in the request is "
                         "invalid.")
        self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_wrong_region(self):
        c = client(self.mock, region="eu-west-1")
        e = self.err(lambda: c.get_session_status(SessionId="s-idle"),
                     "InvalidSignatureException")
        self.assertEqual(e["Error"]["Message"],
                         "Credential should be scoped to a valid region.")

    def test_temporary_credentials(self):
        c = client(self.mock, creds=TEMP)
        self.assertEqual(c.get_session_status(SessionId="s-busy")
                         ["Status"]["State"], "BUSY")
        self.assertIn("x-amz-security-token",
                      self.mock.ctl("last", "signed_headers").split())
        for creds in ((TEMP[0], TEMP[1], None), (TEMP[0], TEMP[1], "bad"),
                      (STATIC[0], STATIC[1], TEMP[2])):
            with self.subTest(creds=creds):
                c = client(self.mock, creds=creds)
                e = self.err(lambda: c.get_session_status(SessionId="s-idle"),
                             "UnrecognizedClientException")
                self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"],
                                 403)

    def test_raw_auth_failures(self):
        m = self.mock
        body = b'{"SessionId":"s-idle"}'
        base = {"Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": TARGET}
        # no Authorization / garbled
        for auth in (None, "garbage", "AWS4-HMAC-SHA256 Credential=x"):
            h = dict(base)
            if auth:
                h["Authorization"] = auth
            s, _, d = raw(m, h, body)
            self.assertEqual((s, json.loads(d)),
                             (400, {"__type":
                                    "MissingAuthenticationTokenException",
                                    "message":
                                    "Missing Authentication Token"}))
        # body tampered after signing
        h, _ = signed(m, body)
        s, _, d = raw(m, h, b'{"SessionId":"s-busy"}')
        self.assertEqual((s, json.loads(d)["__type"]),
                         (403, "InvalidSignatureException"))
        # signed header value changed after signing
        h, b = signed(m, body, after={"X-Amz-Target":
                                      "AmazonAthena.GetSessionStatu"})
        self.assertEqual(raw(m, h, b)[0], 403)
        # x-amz-target not signed: sign without it, add it afterwards
        req = AWSRequest("POST", m.url + "/", data=body,
                         headers={"Content-Type":
                                  "application/x-amz-json-1.1"})
        SigV4Auth(Credentials(STATIC[0], STATIC[1]), "athena",
                  REGION).add_auth(req)
        h = dict(req.headers.items())
        h["X-Amz-Target"] = TARGET
        s, _, d = raw(m, h, body)
        self.assertEqual((s, json.loads(d)["__type"]),
                         (403, "InvalidSignatureException"))
        self.assertIn("x-amz-target", json.loads(d)["message"])
        # stale X-Amz-Date (AWS allows 15 minutes)
        old = (datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
               ).strftime("%Y%m%dT%H%M%SZ")
        h, b = signed(m, body, timestamp=old)
        s, _, d = raw(m, h, b)
        self.assertEqual(s, 403)
        self.assertTrue(json.loads(d)["message"].startswith(
            "Signature expired"))
        ok = (datetime.datetime.utcnow() - datetime.timedelta(minutes=5)
              ).strftime("%Y%m%dT%H%M%SZ")
        h, b = signed(m, body, timestamp=ok)
        self.assertEqual(raw(m, h, b)[0], 200)
        # extra unsigned headers are fine (like AWS)
        h, b = signed(m, body, after={"X-Unsigned": "1",
                                      "User-Agent": "test"})
        self.assertEqual(raw(m, h, b)[0], 200)
        # additional signed headers are verified like the others
        h, b = signed(m, body, extra={"X-Amz-User-Agent": "ua/1"})
        self.assertEqual(raw(m, h, b)[0], 200)
        st = m.stats()
        self.assertEqual(st["signature_failures"], 7)
        self.assertEqual(st["auth_failures_by_type"],
                         {"MissingAuthenticationTokenException": 3,
                          "InvalidSignatureException": 4})

    # -- faults -----------------------------------------------------------------
    def test_throttle_counts(self):
        m = self.mock
        m.ctl("fault", "throttle", "2")
        for _ in range(2):
            e = self.err(lambda: self.c.get_session_status(SessionId="s-idle"),
                         "ThrottlingException")
            self.assertEqual(e["Error"]["Message"], "Rate exceeded")
        self.c.get_session_status(SessionId="s-idle")
        self.assertEqual(m.ctl("count", "GetSessionStatus"), "3\n")
        self.assertEqual(m.ctl("count"), "3\n")
        # boto3's own retries absorb two throttles: 3 requests, 1 call
        m.ctl("reset")
        m.ctl("fault", "throttle", "2")
        c3 = client(m, retries=3)
        c3.get_session_status(SessionId="s-idle")
        self.assertEqual(m.ctl("count", "AmazonAthena.GetSessionStatus"),
                         "3\n")
        self.assertEqual(m.stats()["faults_injected"], 2)

    def test_quota(self):
        m = self.mock
        # 0.5/s: no token comes back while the test runs
        self.assertEqual(m.ctl("quota", "0.5", "3"), "")
        self.assertEqual(m.stats()["quota"], {"rps": 0.5, "burst": 3.0})
        for _ in range(3):
            self.c.get_session_status(SessionId="s-idle")
        e = self.err(lambda: self.c.get_session_status(SessionId="s-idle"),
                     "ThrottlingException")
        self.assertEqual(e["Error"]["Message"], "Rate exceeded")
        self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"], 400)
        # a bad signature is refused before the quota is consulted
        self.err(lambda: client(m, creds=("AKIDMOCKSTATIC", "wrong", None))
                 .get_session_status(SessionId="s-idle"),
                 "InvalidSignatureException")
        # the quota comes before faults: a throttled request takes none
        m.ctl("fault", "http500")
        self.err(lambda: self.c.get_session_status(SessionId="s-idle"),
                 "ThrottlingException")
        self.assertEqual(m.ctl("throttled"), "2\n")
        self.assertEqual(m.ctl("count", "GetSessionStatus"), "6\n")
        self.assertEqual(m.stats()["faults_injected"], 0)
        m.ctl("quota", "0")
        self.assertIsNone(m.stats()["quota"])
        self.err(lambda: self.c.get_session_status(SessionId="s-idle"),
                 "InternalServerException")
        # reset restores the command line's: none here
        m.ctl("quota", "0.5")
        m.ctl("reset")
        self.assertIsNone(m.stats()["quota"])
        self.assertEqual(m.ctl("throttled"), "0\n")

    def test_fault_kinds_raw(self):
        m = self.mock

        def once(kind, *args):
            m.ctl("fault", kind, *args)
            return raw_sid(m, "s-idle")

        s, h, d = once("toomany")
        self.assertEqual((s, json.loads(d)["__type"]),
                         (400, "TooManyRequestsException"))
        s, h, d = once("http429")
        self.assertEqual(s, 429)
        self.assertNotIn("retry-after", h)
        s, h, d = once("http429", "--retry-after", "1")
        self.assertEqual((s, h["retry-after"]), (429, "1"))
        s, h, d = once("http500")
        self.assertEqual((s, json.loads(d)),
                         (500, {"__type": "InternalServerException",
                                "Message": "internal"}))
        s, h, d = once("html503")
        self.assertEqual((s, h["content-type"]), (503, "text/html"))
        s, h, d = once("garbage")
        self.assertEqual((s, d), (200, b"<<<not json>>>"))
        s, h, d = once("oversized")
        self.assertEqual((s, len(d), json.loads(d)["SessionId"]),
                         (200, MIB2, "s-idle"))
        s, h, d = once("redirect")
        self.assertEqual((s, h["location"]), (302, "http://127.0.0.1:1/"))
        t = time.monotonic()
        s, h, d = once("slow", "--ms", "300")
        self.assertEqual(s, 200)
        self.assertGreaterEqual(time.monotonic() - t, 0.29)
        m.ctl("fault", "reset")
        with self.assertRaises(ConnectionResetError):
            raw_sid(m, "s-idle")
        m.ctl("fault", "empty")
        with self.assertRaises(http.client.RemoteDisconnected):
            raw_sid(m, "s-idle")
        # a hanging request blocks neither other clients nor the counters
        m.ctl("fault", "hang")
        hc = http.client.HTTPConnection("127.0.0.1", m.port, timeout=0.5)
        with self.assertRaises(socket.timeout):
            raw_sid(m, "s-idle", conn=hc)
        self.assertEqual(raw_sid(m, "s-idle")[0], 200)
        self.assertEqual(m.stats()["in_flight"], 1)
        hc.close()
        deadline = time.monotonic() + 3
        while m.stats()["in_flight"] and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(m.stats()["in_flight"], 0)
        self.assertEqual(m.ctl("count"), "13\n")

    def test_fault_count_forever_and_queue(self):
        m = self.mock
        m.ctl("fault", "http500", "-1")
        for _ in range(5):
            self.assertEqual(raw_sid(m, "s-idle")[0], 500)
        m.ctl("fault", "none")
        self.assertEqual(raw_sid(m, "s-idle")[0], 200)
        m.ctl("fault", "throttle", "1")
        m.ctl("fault", "http500", "2", "--append")
        got = [raw_sid(m, "s-idle")[0] for _ in range(4)]
        self.assertEqual(got, [400, 500, 500, 200])
        m.ctl("fault", "http500", "-1")
        m.ctl("reset")
        self.assertEqual(raw_sid(m, "s-idle")[0], 200)

    def test_terminate_session(self):
        m = self.mock
        r = self.c.terminate_session(SessionId="s-idle")
        self.assertEqual(r["State"], "TERMINATING")
        st = self.c.get_session_status(SessionId="s-idle")["Status"]
        self.assertEqual(st["State"], "TERMINATED")
        self.assertEqual(st["StateChangeReason"],
                         "Session was terminated by user request")
        self.assertNotIn("IdleSinceDateTime", st)
        self.assertAlmostEqual(ts(st["EndDateTime"]), time.time(), delta=60)
        # finished sessions: accepted, left as they are
        for sid, state in (("s-idle", "TERMINATED"),
                           ("s-failed", "FAILED"),
                           ("s-terminated", "TERMINATED")):
            self.assertEqual(self.c.terminate_session(SessionId=sid)["State"],
                             state)
        self.assertEqual(
            self.c.get_session_status(SessionId="s-failed")["Status"]["State"],
            "FAILED")
        self.err(lambda: self.c.terminate_session(SessionId="nope"),
                 "ResourceNotFoundException")
        self.assertEqual(self.c.terminate_session(SessionId="gen-t")["State"],
                         "TERMINATING")
        self.assertEqual(m.ctl("terminations"),
                         "gen-t IDLE\ns-failed FAILED\ns-idle IDLE\n"
                         "s-idle TERMINATED\ns-terminated TERMINATED\n")
        self.assertEqual(m.stats()["requests_by_op"]["TerminateSession"], 6)
        # listed sessions: a listing shows the new state
        self.c.terminate_session(SessionId="la-idle-2")
        alive = [x["SessionId"] for x in self.c.list_sessions(
            WorkGroup="spark-analytics")["Sessions"]]
        self.assertEqual(alive, ["la-idle-1", "la-busy"])
        ended = self.c.list_sessions(WorkGroup="spark-analytics",
                                     StateFilter="TERMINATED")["Sessions"]
        self.assertEqual([x["SessionId"] for x in ended],
                         ["la-idle-2", "la-terminated"])
        self.assertEqual(
            self.c.get_session(SessionId="la-idle-2")["Status"]["State"],
            "TERMINATED")
        m.ctl("reset")
        self.assertEqual(m.ctl("terminations"), "")
        self.assertEqual(len(self.c.list_sessions(
            WorkGroup="spark-analytics")["Sessions"]), 3)
        self.assertEqual(
            self.c.get_session_status(SessionId="s-idle")["Status"]["State"],
            "IDLE")

    # -- calculations -------------------------------------------------------
    def test_calculations(self):
        m = self.mock
        ids = [c["CalculationExecutionId"] for c in
               self.c.list_calculation_executions(
                   SessionId="la-idle-1")["Calculations"]]
        self.assertEqual(ids, ["c-idle-done", "c-idle-failed",
                               "c-idle-canceled"])
        failed = self.c.list_calculation_executions(
            SessionId="la-idle-1", StateFilter="FAILED")["Calculations"]
        self.assertEqual([c["CalculationExecutionId"] for c in failed],
                         ["c-idle-failed"])
        # pages of one, tied to their listing
        first = self.c.list_calculation_executions(SessionId="la-busy",
                                                   MaxResults=1)
        second = self.c.list_calculation_executions(
            SessionId="la-busy", MaxResults=1, NextToken=first["NextToken"])
        self.assertEqual([c["CalculationExecutionId"] for c in
                          first["Calculations"] + second["Calculations"]],
                         ["c-busy-queued", "c-busy-running"])
        self.err(lambda: self.c.list_calculation_executions(
            SessionId="la-idle-1", NextToken=first["NextToken"]),
            "InvalidRequestException")
        # each call answers its own part of a calculation
        r = self.c.get_calculation_execution(
            CalculationExecutionId="c-idle-done")
        self.assertEqual((r["SessionId"], r["Status"]["State"],
                          r["Result"]["ResultType"],
                          r["Statistics"]["DpuExecutionInMillis"]),
                         ("la-idle-1", "COMPLETED", "application/json",
                          1234567))
        r = self.c.get_calculation_execution_status(
            CalculationExecutionId="c-busy-running")
        self.assertEqual((r["Status"]["State"], r["Statistics"]["Progress"]),
                         ("RUNNING", "stage 3 of 5"))
        self.assertNotIn("SessionId", r)
        self.assertEqual(self.c.get_calculation_execution_code(
            CalculationExecutionId="c-idle-failed")["CodeBlock"],
            "modle.fit(train)")
        self.err(lambda: self.c.get_calculation_execution(
            CalculationExecutionId="nope"), "ResourceNotFoundException")
        self.err(lambda: self.c.list_calculation_executions(
            SessionId="nope"), "ResourceNotFoundException")
        # generated sessions have 20 each
        self.assertEqual(len(self.c.list_calculation_executions(
            SessionId="gen-2-00001")["Calculations"]), 20)
        # stop: CANCELING for canceling_s, then CANCELED; an ended one
        # answers its state and stays
        m.ctl("canceling", "30")
        self.assertEqual(self.c.stop_calculation_execution(
            CalculationExecutionId="c-busy-running")["State"], "CANCELING")
        self.assertEqual(self.c.get_calculation_execution_status(
            CalculationExecutionId="c-busy-running")["Status"]["State"],
            "CANCELING")
        m.ctl("canceling", "0")
        st = self.c.get_calculation_execution_status(
            CalculationExecutionId="c-busy-running")["Status"]
        self.assertEqual(st["State"], "CANCELED")
        self.assertIn("CompletionDateTime", st)
        self.assertEqual(self.c.stop_calculation_execution(
            CalculationExecutionId="c-idle-done")["State"], "COMPLETED")
        self.assertEqual(m.ctl("stops"), "c-busy-running RUNNING\n"
                         "c-idle-done COMPLETED\n")
        m.ctl("reset")
        self.assertEqual(self.c.get_calculation_execution_status(
            CalculationExecutionId="c-busy-running")["Status"]["State"],
            "RUNNING")

    def test_starts(self):
        m = self.mock
        token = "t" * 32
        a = self.c.start_session(WorkGroup="spark-etl",
                                 EngineConfiguration={"MaxConcurrentDpus": 4},
                                 ClientRequestToken=token)
        b = self.c.start_session(WorkGroup="spark-etl",
                                 EngineConfiguration={"MaxConcurrentDpus": 4},
                                 ClientRequestToken=token)
        self.assertEqual((a["SessionId"], a["State"]),
                         ("started-0001", "CREATING"))
        self.assertEqual(b["SessionId"], "started-0001")
        # without a token, every call starts a session
        c = self.c.start_session(WorkGroup="spark-etl",
                                 EngineConfiguration={"MaxConcurrentDpus": 2})
        self.assertEqual(c["SessionId"], "started-0002")
        self.assertEqual(m.ctl("starts"),
                         "StartSession started-0001 new token\n"
                         "StartSession started-0001 same token\n"
                         "StartSession started-0002 new no-token\n")
        listed = [x["SessionId"] for x in self.c.list_sessions(
            WorkGroup="spark-etl")["Sessions"]]
        self.assertEqual(listed[:2], ["started-0002", "started-0001"])
        for wg in ("primary", "spark-archive", "nowhere"):
            self.err(lambda: self.c.start_session(
                WorkGroup=wg, EngineConfiguration={"MaxConcurrentDpus": 4}),
                "InvalidRequestException")
        # what boto3 would refuse itself: the mock refuses it too
        for engine in ({"MaxConcurrentDpus": 1}, {}, None):
            body = {"WorkGroup": "spark-etl"}
            if engine is not None:
                body["EngineConfiguration"] = engine
            h, b = signed(m, body, target="AmazonAthena.StartSession")
            status, _, data = raw(m, h, b)
            self.assertEqual((status, json.loads(data)["__type"]),
                             (400, "InvalidRequestException"))
        # a calculation moves CREATING, QUEUED, RUNNING, COMPLETED over time
        m.ctl("calc-timing", "0", "0", "3600")
        r = self.c.start_calculation_execution(SessionId="started-0001",
                                               CodeBlock="print(1)")
        self.assertEqual((r["CalculationExecutionId"], r["State"]),
                         ("calc-0001", "CREATING"))
        self.assertEqual(self.c.get_calculation_execution_status(
            CalculationExecutionId="calc-0001")["Status"]["State"], "RUNNING")
        m.ctl("calc-timing", "3600", "0", "0")
        self.assertEqual(self.c.get_calculation_execution(
            CalculationExecutionId="calc-0001")["Status"]["State"], "CREATING")
        m.ctl("calc-timing", "0", "0", "0")
        r = self.c.get_calculation_execution(CalculationExecutionId="calc-0001")
        self.assertEqual(r["Status"]["State"], "COMPLETED")
        self.assertIn("ResultS3Uri", r["Result"])
        self.c.start_calculation_execution(SessionId="started-0001",
                                           CodeBlock="raise ValueError")
        self.assertEqual(self.c.list_calculation_executions(
            SessionId="started-0001", StateFilter="FAILED")["Calculations"][0]
            ["CalculationExecutionId"], "calc-0002")
        self.err(lambda: self.c.start_calculation_execution(
            SessionId="la-terminated", CodeBlock="x"),
            "InvalidRequestException")
        self.err(lambda: self.c.start_calculation_execution(
            SessionId="nope", CodeBlock="x"), "ResourceNotFoundException")
        # "lost": started, the answer never sent; the retry with the same
        # token gets the same calculation
        m.ctl("fault", "lost", "1", "--op", "StartCalculationExecution")
        body = {"SessionId": "started-0001", "CodeBlock": "print(3)",
                "ClientRequestToken": "u" * 32}
        h, b = signed(m, body, target="AmazonAthena.StartCalculationExecution")
        with self.assertRaises((http.client.RemoteDisconnected,
                                ConnectionError)):
            raw(m, h, b)
        h, b = signed(m, body, target="AmazonAthena.StartCalculationExecution")
        status, _, data = raw(m, h, b)
        self.assertEqual((status, json.loads(data)["CalculationExecutionId"]),
                         (200, "calc-0003"))
        self.assertEqual(m.ctl("tokens"), "4 requests 2 distinct tokens\n")
        m.ctl("reset")
        self.assertEqual(m.ctl("starts"), "")
        self.err(lambda: self.c.get_session_status(SessionId="started-0001"),
                 "ResourceNotFoundException")

    def test_fault_op_and_skip(self):
        m = self.mock
        m.ctl("fault", "denied", "1", "--op", "TerminateSession",
              "--skip", "1")
        self.assertEqual(self.c.terminate_session(SessionId="gen-a")["State"],
                         "TERMINATING")
        self.c.get_session_status(SessionId="s-idle")
        e = self.err(lambda: self.c.terminate_session(SessionId="gen-b"),
                     "AccessDeniedException")
        self.assertIn("athena:TerminateSession", e["Error"]["Message"])
        self.assertEqual(self.c.terminate_session(SessionId="gen-c")["State"],
                         "TERMINATING")
        m.ctl("fault", "gone", "1")
        self.err(lambda: self.c.terminate_session(SessionId="s-busy"),
                 "ResourceNotFoundException")
        m.ctl("fault", "vanished", "1")
        e = self.err(lambda: self.c.terminate_session(SessionId="s-busy"),
                     "InvalidRequestException")
        self.assertEqual(e["Error"]["Message"], "Session ID s-busy was not found")
        self.assertEqual(m.ctl("terminations"), "gen-a IDLE\ngen-c IDLE\n")

    def test_signature_checked_before_fault(self):
        m = self.mock
        m.ctl("fault", "throttle", "1")
        c = client(m, creds=(STATIC[0], "wrong", None))
        self.err(lambda: c.get_session_status(SessionId="s-idle"),
                 "InvalidSignatureException")
        self.err(lambda: self.c.get_session_status(SessionId="s-idle"),
                 "ThrottlingException")

    # -- counters ---------------------------------------------------------------
    def test_connection_counting_keepalive(self):
        m = self.mock
        c = client(m)
        for _ in range(10):
            c.get_session_status(SessionId="s-idle")
        self.assertEqual(m.ctl("conns"), "1\n")
        m.ctl("stats")
        m.ctl("count")
        self.assertEqual(m.ctl("conns"), "1\n")
        c2 = client(m)
        c2.get_session_status(SessionId="s-idle")
        c.get_session_status(SessionId="s-idle")
        self.assertEqual(m.ctl("conns"), "2\n")
        self.assertEqual(m.ctl("count"), "12\n")
        st = m.stats()
        self.assertGreaterEqual(st["tcp_accepts"], st["connections"] + 4)

    def test_peak_in_flight(self):
        m = self.mock
        m.ctl("latency", "300")
        c = client(m, pool=16)
        c.get_session_status(SessionId="s-idle")  # warm up
        n = 8
        barrier = threading.Barrier(n)

        def call(i):
            barrier.wait()
            return c.get_session_status(SessionId="gen-%d" % i)["SessionId"]

        t = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(n) as ex:
            got = sorted(ex.map(call, range(n)))
        elapsed = time.monotonic() - t
        self.assertEqual(got, sorted("gen-%d" % i for i in range(n)))
        # the peak proves the calls overlapped; the time is reported only
        self.assertEqual(m.ctl("peak"), "%d\n" % n)
        sys.stderr.write("\n  8 calls at 300 ms latency: %.0f ms\n" % (elapsed * 1000))
        self.assertEqual(m.ctl("count"), "%d\n" % (n + 1))
        m.ctl("reset")
        self.assertEqual(m.stats()["latency_ms"], 0)

    def test_last_request(self):
        self.c.get_session_status(SessionId="s-idle")
        m = self.mock
        self.assertEqual(m.ctl("last", "target"), TARGET + "\n")
        self.assertTrue(m.ctl("last", "user_agent").startswith("Boto3/"))
        self.assertEqual(m.ctl("last", "signed_headers"),
                         "content-type\nhost\nx-amz-date\nx-amz-target\n")
        names = m.ctl("last", "header_names").split()
        self.assertEqual(names, sorted(names))
        self.assertIn("authorization", names)
        self.assertEqual(json.loads(m.ctl("last", "body")),
                         {"SessionId": "s-idle"})

    def test_control_not_counted(self):
        m = self.mock
        for _ in range(3):
            m.ctl("stats")
        m.ctl("latency", "0")
        st = m.stats()
        self.assertEqual((st["requests"], st["connections"],
                          st["peak_in_flight"]), (0, 0, 0))
        self.assertIsNone(st["last_request"])


class StandaloneTest(Base):
    def test_cli_latency_and_region_and_shutdown(self):
        m = Mock("--latency-ms", "50", "--region", "eu-central-1")
        try:
            c = client(m, region="eu-central-1")
            c.get_session_status(SessionId="s-idle")
            t = time.monotonic()
            c.get_session_status(SessionId="s-idle")
            self.assertGreaterEqual(time.monotonic() - t, 0.045)
            m.ctl("latency", "0")
            m.ctl("reset")
            self.assertEqual(m.stats()["latency_ms"], 50)
            with self.assertRaises(botocore.exceptions.ClientError):
                client(m).get_session_status(SessionId="s-idle")
            # shutdown must not wait for a hanging request
            m.ctl("fault", "hang")
            hc = http.client.HTTPConnection("127.0.0.1", m.port, timeout=5)
            h, b = signed(m, b'{"SessionId":"s-idle"}', region="eu-central-1")
            hc.request("POST", "/", body=b, headers=h)
            time.sleep(0.2)
            # stop() gives up after 10 s, failing the test, if the mock
            # waited for the hanging request
            self.assertEqual(m.stop(), 0)
            hc.close()
        finally:
            m.stop()

    def test_cli_quota(self):
        m = Mock("--quota-rps", "0.5", "--quota-burst", "2")
        try:
            c = client(m)
            for _ in range(2):
                c.get_session_status(SessionId="s-idle")
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                c.get_session_status(SessionId="s-idle")
            self.assertEqual(cm.exception.response["Error"]["Code"],
                             "ThrottlingException")
            # reset: the command line's quota again, its bucket full
            m.ctl("reset")
            self.assertEqual(m.stats()["quota"], {"rps": 0.5, "burst": 2.0})
            for _ in range(2):
                c.get_session_status(SessionId="s-idle")
            self.assertEqual(m.ctl("throttled"), "0\n")
        finally:
            m.stop()

    def test_immediate_sigterm_is_clean(self):
        for _ in range(3):
            m = Mock()
            self.assertEqual(m.stop(), 0)

    def test_mockctl_wait_and_env(self):
        m = Mock()
        try:
            env = dict(os.environ, MOCK_PORT=str(m.port))
            r = subprocess.run([PY, CTL, "wait"], env=env,
                               capture_output=True, text=True)
            self.assertEqual((r.returncode, r.stdout), (0, ""))
            r = subprocess.run([PY, CTL, "count", "GetSessionStatus"],
                               env=env, capture_output=True, text=True)
            self.assertEqual(r.stdout, "0\n")
            env = dict(os.environ, MOCK_PORT="", MOCK_PORT_FILE=m.port_file)
            r = subprocess.run([PY, CTL, "peak"], env=env,
                               capture_output=True, text=True)
            self.assertEqual(r.stdout, "0\n")
        finally:
            m.stop()


class PerfTest(Base):
    def test_keepalive_cost(self):
        m = Mock(log=False)
        try:
            c = client(m)
            for _ in range(50):
                c.get_session_status(SessionId="s-idle")
            n = 500
            t = time.perf_counter()
            for _ in range(n):
                c.get_session_status(SessionId="s-idle")
            boto_ms = (time.perf_counter() - t) / n * 1000
            # the mock's own cost: a pre-signed request on one socket
            h, b = signed(m, b'{"SessionId":"s-idle"}')
            req = ("POST / HTTP/1.1\r\n" + "".join(
                "%s: %s\r\n" % kv for kv in h.items()) +
                "Content-Length: %d\r\n\r\n" % len(b)).encode() + b
            s = socket.create_connection(("127.0.0.1", m.port))
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for _ in range(50):
                s.sendall(req)
                s.recv(65536)
            n2 = 2000
            t = time.perf_counter()
            for _ in range(n2):
                s.sendall(req)
                d = s.recv(65536)
            raw_ms = (time.perf_counter() - t) / n2 * 1000
            self.assertTrue(d.endswith(b"}}"))
            s.close()
            self.assertEqual(m.ctl("conns"), "2\n")
            sys.stderr.write(
                "\n  keep-alive boto3 get_session_status: %.3f ms/call"
                "\n  raw pre-signed keep-alive request:   %.3f ms/call\n"
                % (boto_ms, raw_ms))
        finally:
            m.stop()


if __name__ == "__main__":
    unittest.main()

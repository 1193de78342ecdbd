#!/usr/bin/python3
"""Self-test of the mock's identity endpoints (test/mock/identity.py) with
boto3's STS client and botocore's own metadata fetchers, and of --tls-cert.

    /usr/bin/python3 test/mock/test_identity.py [-v]
"""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

import boto3
import botocore
import botocore.exceptions
from botocore.config import Config
from botocore.utils import ContainerMetadataFetcher, InstanceMetadataFetcher

from test_mock import REGION, STATIC, Base, Mock, client
import identity

ROLE = "arn:aws:iam::123456789012:role/mock-monitor"


def sts(mock, creds=STATIC, url=None):
    akid, secret, token = creds
    return boto3.client(
        "sts", endpoint_url=url or mock.url, region_name=REGION,
        aws_access_key_id=akid, aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(retries={"total_max_attempts": 1}))


def as_creds(c):
    return (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])


class IdentityTest(Base):
    @classmethod
    def setUpClass(cls):
        cls.mock = Mock()

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def test_zz_model_clean(self):
        """Runs last: every STS answer of this test was on STS's model."""
        m = self.mock.stats()["model"]
        self.assertGreater(m["checked"], 5)
        self.assertEqual((m["violations"], m["problems"]), (0, []))

    def identity(self):
        import json
        import urllib.request
        with urllib.request.urlopen(self.mock.url + "/_mock/identity") as r:
            return json.loads(r.read())

    def test_assume_role_issues_keys_athena_accepts(self):
        self.mock.ctl("reset")
        r = sts(self.mock).assume_role(RoleArn=ROLE, RoleSessionName="s1",
                                       DurationSeconds=900)
        creds = as_creds(r["Credentials"])
        self.assertTrue(creds[0].startswith("ASIAMOCK"))
        out = client(self.mock, creds=creds).get_session_status(
            SessionId="s-idle")
        self.assertEqual(out["Status"]["State"], "IDLE")
        st = self.identity()
        self.assertEqual(st["counts"], {"AssumeRole": 1})
        self.assertEqual(st["last"]["access_key_id"], STATIC[0])
        self.assertEqual(st["last"]["duration_seconds"], "900")
        # and the issued keys may assume a role in turn
        r2 = sts(self.mock, creds=creds).assume_role(RoleArn=ROLE,
                                                     RoleSessionName="s2")
        self.assertNotEqual(r2["Credentials"]["AccessKeyId"], creds[0])

    def test_assume_role_refusals(self):
        c = sts(self.mock)
        for kw, code in (
                ({"RoleArn": "arn:aws:iam::123456789012:role/mock-denied"},
                 "AccessDenied"),
                ({"RoleArn": "arn:aws:iam::123456789012:role/mock-external"},
                 "AccessDenied"),
                ({"RoleArn": ROLE, "DurationSeconds": 43201},
                 "ValidationError")):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                c.assume_role(RoleSessionName="s0", **kw)
            self.assertEqual(cm.exception.response["Error"]["Code"], code)
        r = c.assume_role(RoleArn="arn:aws:iam::123456789012:role/mock-external",
                          RoleSessionName="s0", ExternalId=identity.EXTERNAL_ID)
        self.assertIn("Credentials", r)
        bad = (STATIC[0], "wrong-secret", None)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            sts(self.mock, creds=bad).assume_role(RoleArn=ROLE,
                                                  RoleSessionName="s0")
        self.assertEqual(cm.exception.response["Error"]["Code"],
                         "SignatureDoesNotMatch")

    def test_web_identity_unsigned(self):
        self.mock.ctl("reset")
        c = sts(self.mock)
        r = c.assume_role_with_web_identity(
            RoleArn=ROLE, RoleSessionName="web",
            WebIdentityToken=identity.WEB_IDENTITY_TOKEN)
        self.assertIn("Credentials", r)
        self.assertFalse(self.identity()["last"]["signed"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            c.assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName="w0",
                                            WebIdentityToken="nope")
        self.assertEqual(cm.exception.response["Error"]["Code"],
                         "InvalidIdentityToken")

    def test_imds_v2(self):
        self.mock.ctl("reset")
        f = InstanceMetadataFetcher(base_url=self.mock.url, timeout=2,
                                    num_attempts=1)
        c = f.retrieve_iam_role_credentials()
        self.assertEqual(c["role_name"], identity.INSTANCE_ROLE)
        out = client(self.mock, creds=(c["access_key"], c["secret_key"],
                                       c["token"])).get_session_status(
            SessionId="s-busy")
        self.assertEqual(out["Status"]["State"], "BUSY")
        self.assertEqual(self.identity()["counts"],
                         {"imds_token": 1, "imds_role": 1,
                          "imds_credentials": 1})

    def test_sso_portal_with_botocore_client(self):
        """boto3's own SSO client reads the portal's answers."""
        self.mock.ctl("reset")
        c = boto3.client("sso", endpoint_url=self.mock.url, region_name=REGION,
                         config=Config(signature_version=botocore.UNSIGNED,
                                       retries={"total_max_attempts": 1}))
        r = c.get_role_credentials(roleName="AthenaReadOnly",
                                   accountId="123456789012",
                                   accessToken=identity.SSO_ACCESS_TOKEN)
        rc = r["roleCredentials"]
        self.assertTrue(rc["accessKeyId"].startswith("ASIAMOCK"))
        self.assertGreater(rc["expiration"], time.time() * 1000)
        out = client(self.mock, creds=(rc["accessKeyId"], rc["secretAccessKey"],
                                       rc["sessionToken"])).get_session_status(
            SessionId="s-busy")
        self.assertEqual(out["Status"]["State"], "BUSY")
        with self.assertRaises(c.exceptions.UnauthorizedException):
            c.get_role_credentials(roleName="AthenaReadOnly",
                                   accountId="123456789012",
                                   accessToken="expired")
        self.assertEqual(self.identity()["counts"],
                         {"GetRoleCredentials": 1, "sso_refused": 1})

    def test_imds_absent(self):
        """No instance there: botocore's fetcher finds nothing (its token
        PUT, then its IMDSv1 fallback, both 404)."""
        self.mock.ctl("reset")
        self.mock.ctl("identity", "imds-absent", "on")
        f = InstanceMetadataFetcher(base_url=self.mock.url, timeout=2,
                                    num_attempts=1)
        self.assertEqual(f.retrieve_iam_role_credentials(), {})
        self.assertEqual(self.identity()["counts"], {"imds_absent": 2})
        self.mock.ctl("reset")

    def test_container(self):
        self.mock.ctl("reset")
        f = ContainerMetadataFetcher()
        f.RETRY_ATTEMPTS = 1
        c = f.retrieve_full_uri(self.mock.url + "/container/auth",
                                headers={"Authorization":
                                         identity.CONTAINER_TOKEN})
        self.assertTrue(c["AccessKeyId"].startswith("ASIAMOCK"))
        with self.assertRaises(Exception):
            f.retrieve_full_uri(self.mock.url + "/container/auth",
                                headers={"Authorization": "wrong"})
        self.assertEqual(self.identity()["counts"],
                         {"container": 1, "container_refused": 1})

    def test_expires_in(self):
        import json
        import urllib.request
        req = urllib.request.Request(self.mock.url + "/_mock/identity",
                                     data=json.dumps({"expires_in": 200})
                                     .encode(), method="POST")
        urllib.request.urlopen(req).read()
        r = sts(self.mock).assume_role(RoleArn=ROLE, RoleSessionName="e0")
        exp = r["Credentials"]["Expiration"]
        left = (exp - exp.now(exp.tzinfo)).total_seconds()
        self.assertTrue(150 < left <= 200, left)
        self.mock.ctl("reset")
        self.assertIsNone(self.identity()["expires_in"])


class TlsTest(Base):
    def test_https_with_a_test_ca(self):
        d = tempfile.mkdtemp(prefix="mocktls.")
        try:
            subprocess.run(["bash", os.path.join(os.path.dirname(
                os.path.abspath(__file__)), "make_test_ca.sh"), d],
                check=True, capture_output=True)
            port_file = os.path.join(d, "tls.port")
            m = Mock("--tls-cert", os.path.join(d, "server.pem"),
                     "--tls-key", os.path.join(d, "server.key"),
                     "--tls-port-file", port_file)
            try:
                # written just after the plain port's file
                deadline = time.monotonic() + 10
                while not os.path.exists(port_file) and \
                        time.monotonic() < deadline:
                    time.sleep(0.02)
                with open(port_file) as f:
                    url = "https://127.0.0.1:%d" % int(f.read())
                c = boto3.client("athena", endpoint_url=url,
                                 region_name=REGION,
                                 aws_access_key_id=STATIC[0],
                                 aws_secret_access_key=STATIC[1],
                                 verify=os.path.join(d, "ca.pem"))
                self.assertEqual(c.get_session_status(
                    SessionId="s-idle")["Status"]["State"], "IDLE")
                c2 = boto3.client("athena", endpoint_url=url,
                                  region_name=REGION,
                                  aws_access_key_id=STATIC[0],
                                  aws_secret_access_key=STATIC[1],
                                  config=Config(retries={
                                      "total_max_attempts": 1}))
                with self.assertRaises(botocore.exceptions.SSLError):
                    c2.get_session_status(SessionId="s-idle")
            finally:
                m.stop()
        finally:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()

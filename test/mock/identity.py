"""Identity endpoints of the mock: where credentials come from.

Served on the mock's own port next to the Athena API, so a test points
AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_CONTAINER_CREDENTIALS_FULL_URI and the
server option sts_endpoint at http://127.0.0.1:<port>.  Every credential
handed out is a fresh temporary key that the Athena API then accepts (it is
added to the mock's KEYS), valid until the mock restarts.

IMDSv2 (unsigned)
  PUT  /latest/api/token              needs X-aws-ec2-metadata-token-ttl-seconds;
                                      answers a session token
  GET  /latest/meta-data/iam/security-credentials/
                                      needs X-aws-ec2-metadata-token; answers
                                      the role name mock-instance-role
  GET  /latest/meta-data/iam/security-credentials/mock-instance-role
                                      the credentials as JSON (Code Success)
  A GET without a valid token: 401.  Any other metadata path: 404.
  With "imds_absent" set (below), every metadata call answers 404, counted
  as imds_absent: a host that is no EC2 instance.

Container credentials (unsigned)
  GET  /container/open                the credentials as JSON
  GET  /container/auth                the same, only with the header
                                      Authorization: CONTAINER_TOKEN (else 401)

STS (POST, Content-Type application/x-www-form-urlencoded, Version 2011-06-15)
  AssumeRole                  SigV4 for service "sts" in the mock's region,
                              checked with botocore, by any key the mock
                              accepts (static, temporary or issued).
                              RoleArn arn:aws:iam::<12 digits>:role/<name>:
                                mock-denied     403 AccessDenied
                                mock-external   403 AccessDenied unless
                                                ExternalId is EXTERNAL_ID
                                anything else   the role's credentials
                              RoleSessionName [\\w+=,.@-]{2,64} and
                              DurationSeconds 900..43200, else 400
                              ValidationError.
  AssumeRoleWithWebIdentity   unsigned; WebIdentityToken must be
                              WEB_IDENTITY_TOKEN, else 400
                              InvalidIdentityToken.
  Answers and errors are STS's XML.

SSO portal (GetRoleCredentials, rest-json, unsigned)
  GET  /federation/credentials?role_name=R&account_id=A
                              header x-amz-sso_bearer_token must be
                              SSO_ACCESS_TOKEN, else 401 UnauthorizedException;
                              answers roleCredentials (expiration in epoch
                              milliseconds), counted as GetRoleCredentials.

Control (on the mock's control path)
  GET  /_mock/identity   counters by call, the issued keys, the last call
  POST /_mock/identity   {"inject": "imds_token" | "token" | "token:SOURCE"
                         | null}: on purpose, off AWS's contract, append
                         INJECTED (CR LF and a header line) to the IMDS
                         session token, or to the session token of every
                         credential issued (of one source: "instance
                         metadata", "container", "AssumeRole", ...)
  POST /_mock/identity   {"expires_in": S}: credentials issued from now on
                         expire S seconds after issue (null: the duration
                         asked for, else 3600); an issued key used past
                         its expiration is refused (ExpiredTokenException)
  POST /_mock/identity   {"expire_issued": true}: every key issued so far
                         expires now (a clock ahead of ours: the client
                         still thinks them good)
  POST /_mock/identity   {"sts_fault": CODE, "count": N}: the next N STS
                         calls answer 400 CODE (IDPCommunicationError,
                         Throttling: what STS sends), counted as
                         "sts_fault"
  POST /_mock/identity   {"imds_absent": true|false}: instance metadata is
                         not there (every call 404, counted "imds_absent")
  /_mock/reset also resets this module.
"""

import json
import re
import secrets
import threading
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape

ACCOUNT = "123456789012"
INSTANCE_ROLE = "mock-instance-role"
# what "inject" appends: a header of its own, if a client let it through
INJECTED = "\r\nX-Injected: yes"
WEB_IDENTITY_TOKEN = "mock-web-identity-token/EXAMPLE.eyJzdWIiOiJtb2NrIn0"
CONTAINER_TOKEN = "mock-container-auth-token/EXAMPLE"
SSO_ACCESS_TOKEN = "mock-sso-access-token/EXAMPLE+aoaAAAAA"
SSO_PATH = "/federation/credentials"
EXTERNAL_ID = "mock-external-id"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
FORM_CT = "application/x-www-form-urlencoded"
XML_CT = "text/xml"
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/([\w+=,.@/-]{1,64})$")
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
METADATA_PREFIX = "/latest/"
CONTAINER_PREFIX = "/container/"

# The Athena side's names for auth failures -> STS's codes.
STS_AUTH_CODES = {
    "MissingAuthenticationTokenException": "MissingAuthenticationToken",
    "UnrecognizedClientException": "InvalidClientTokenId",
    "InvalidSignatureException": "SignatureDoesNotMatch",
}


class Identity:
    def __init__(self, keys, verify_signature, auth_error):
        """keys: the mock's access key -> (secret, token) dict, shared.
        verify_signature(method, path, headers, body, service, required)
        raises auth_error on a bad signature."""
        self.keys = keys
        self.verify = verify_signature
        self.auth_error = auth_error
        self.lock = threading.Lock()
        self.imds_tokens = set()
        self.reset()

    def reset(self):
        with self.lock:
            self.counts = {}
            self.issued = []
            self.last = None
            self.expires_in = None
            self.inject = None
            self.sts_fault = None
            self.sts_fault_left = 0
            self.imds_absent = False

    def snapshot(self):
        with self.lock:
            return {"counts": dict(self.counts), "issued": list(self.issued),
                    "last": self.last, "expires_in": self.expires_in}

    def control(self, method, args):
        if method == "POST":
            with self.lock:
                if "inject" in args:
                    self.inject = args["inject"]
                elif args.get("expire_issued"):
                    now = time.time()
                    for k, v in list(self.keys.items()):
                        if len(v) > 2:	# issued here, even before a reset
                            self.keys[k] = v[:2] + (now,)
                elif "imds_absent" in args:
                    self.imds_absent = bool(args["imds_absent"])
                elif "sts_fault" in args:
                    self.sts_fault = args["sts_fault"]
                    self.sts_fault_left = int(args.get("count", 1))
                else:
                    v = args.get("expires_in")
                    self.expires_in = None if v is None else int(v)
        return self.snapshot()

    # -- dispatch -------------------------------------------------------------
    @staticmethod
    def handles(method, path, headers):
        if path.startswith(METADATA_PREFIX) or path.startswith(
                CONTAINER_PREFIX) or path.split("?")[0] == SSO_PATH:
            return True
        ct = headers.get("content-type", [""])[0]
        return method == "POST" and ct.split(";")[0].strip() == FORM_CT

    def handle(self, h, method, path, headers, body):
        """h: the mock's request handler (its respond method writes)."""
        if path.startswith(METADATA_PREFIX):
            return self.imds(h, method, path, headers)
        if path.startswith(CONTAINER_PREFIX):
            return self.container(h, method, path, headers)
        if path.split("?")[0] == SSO_PATH:
            return self.sso(h, method, path, headers)
        return self.sts(h, method, path, headers, body)

    def count(self, kind, last):
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            self.last = dict(last, call=kind)

    def issue(self, source, duration):
        akid = "ASIAMOCK" + secrets.token_hex(6).upper()
        secret = "mock/issued/SECRET+" + secrets.token_urlsafe(24)
        token = "mock-issued-token/" + secrets.token_urlsafe(48)
        with self.lock:
            life = self.expires_in if self.expires_in is not None else duration
            self.issued.append({"source": source, "access_key_id": akid,
                                "secret_access_key": secret,
                                "session_token": token})
        expires_at = time.time() + life
        self.keys[akid] = (secret, token, expires_at)
        expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                   time.gmtime(expires_at))
        if self.inject in ("token", "token:" + source):
            token += INJECTED
        return akid, secret, token, expiration

    # -- IMDSv2 -----------------------------------------------------------------
    def imds(self, h, method, path, headers):
        with self.lock:
            absent = self.imds_absent
        if absent:
            self.count("imds_absent", {"path": path})
            return h.respond(404, b"", ctype="text/plain", api=False)
        if path == "/latest/api/token":
            if method != "PUT":
                return h.respond(405, b"", ctype="text/plain", api=False)
            if "x-aws-ec2-metadata-token-ttl-seconds" not in headers:
                return h.respond(400, b"", ctype="text/plain", api=False)
            token = "mock-imds-session-" + secrets.token_hex(16)
            with self.lock:
                self.imds_tokens.add(token)
                if self.inject == "imds_token":
                    token += INJECTED
            self.count("imds_token", {"path": path})
            return h.respond(200, token.encode(), ctype="text/plain",
                             api=False)
        token = headers.get("x-aws-ec2-metadata-token", [""])[0]
        with self.lock:
            valid = token in self.imds_tokens
        if method != "GET" or not valid:
            self.count("imds_refused", {"path": path})
            return h.respond(401, b"", ctype="text/plain", api=False)
        base = "/latest/meta-data/iam/security-credentials/"
        if path == base:
            self.count("imds_role", {"path": path})
            return h.respond(200, INSTANCE_ROLE.encode(), ctype="text/plain",
                             api=False)
        if path == base + INSTANCE_ROLE:
            akid, secret, tok, exp = self.issue("instance metadata", 3600)
            self.count("imds_credentials", {"path": path})
            body = {"Code": "Success", "LastUpdated": exp, "Type": "AWS-HMAC",
                    "AccessKeyId": akid, "SecretAccessKey": secret,
                    "Token": tok, "Expiration": exp}
            return h.respond(200, json.dumps(body).encode(),
                             ctype="text/plain", api=False)
        return h.respond(404, b"", ctype="text/plain", api=False)

    # -- container credentials ------------------------------------------------
    def container(self, h, method, path, headers):
        auth = headers.get("authorization")
        last = {"path": path, "authorization_sent": auth is not None}
        if path not in ("/container/open", "/container/auth") or method != "GET":
            return h.respond(404, b"", ctype="text/plain", api=False)
        if path == "/container/auth" and (auth is None or auth[0] != CONTAINER_TOKEN):
            self.count("container_refused", last)
            return h.respond(401, b'{"message":"unauthorized"}',
                             ctype="application/json", api=False)
        akid, secret, tok, exp = self.issue("container", 3600)
        self.count("container", last)
        body = {"AccessKeyId": akid, "SecretAccessKey": secret, "Token": tok,
                "Expiration": exp, "RoleArn": "arn:aws:iam::%s:role/mock-task"
                % ACCOUNT}
        return h.respond(200, json.dumps(body).encode(),
                         ctype="application/json", api=False)

    # -- SSO portal -------------------------------------------------------------
    def sso(self, h, method, path, headers):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        args = {k: v[0] for k, v in query.items() if len(v) == 1}
        token = headers.get("x-amz-sso_bearer_token", [None])[0]
        last = {"role_name": args.get("role_name"),
                "account_id": args.get("account_id"),
                "token_sent": token is not None}
        if method != "GET" or "role_name" not in args or \
                "account_id" not in args:
            self.count("sso_refused", last)
            body = {"message": "role_name and account_id are required"}
            return h.respond(400, json.dumps(body).encode(), api=False,
                             extra=[("x-amzn-ErrorType",
                                     "InvalidRequestException")],
                             sso_op="GetRoleCredentials")
        if token != SSO_ACCESS_TOKEN:
            self.count("sso_refused", last)
            body = {"message": "Session token not found or invalid"}
            return h.respond(401, json.dumps(body).encode(), api=False,
                             extra=[("x-amzn-ErrorType",
                                     "UnauthorizedException")],
                             sso_op="GetRoleCredentials")
        akid, secret, tok, exp = self.issue("SSO", 3600)
        self.count("GetRoleCredentials", last)
        expires_ms = int(self.keys[akid][2] * 1000)
        body = {"roleCredentials": {"accessKeyId": akid,
                                    "secretAccessKey": secret,
                                    "sessionToken": tok,
                                    "expiration": expires_ms}}
        return h.respond(200, json.dumps(body).encode(), api=False,
                         sso_op="GetRoleCredentials")

    # -- STS ----------------------------------------------------------------------
    @staticmethod
    def sts_error(h, action, status, code, message, type_="Sender"):
        """action: the Action asked for, for the model check."""
        body = ('<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code>'
                '<Message>%s</Message></Error><RequestId>%s</RequestId>'
                '</ErrorResponse>' % (STS_NS, type_, escape(code),
                                      escape(message), uuid.uuid4()))
        return h.respond(status, body.encode(), ctype=XML_CT,
                         sts_action=action)

    def sts(self, h, method, path, headers, body):
        try:
            form = urllib.parse.parse_qs(body.decode("utf-8"),
                                         keep_blank_values=True,
                                         strict_parsing=True)
        except (ValueError, UnicodeDecodeError):
            form = {}
        args = {k: v[0] for k, v in form.items() if len(v) == 1}
        action = args.get("Action", "")
        last = {"action": action, "role_arn": args.get("RoleArn"),
                "role_session_name": args.get("RoleSessionName"),
                "external_id": args.get("ExternalId"),
                "duration_seconds": args.get("DurationSeconds"),
                "signed": "authorization" in headers, "access_key_id": None}
        if action not in ("AssumeRole", "AssumeRoleWithWebIdentity"):
            self.count("sts_unknown", last)
            return self.sts_error(h, action, 400, "InvalidAction",
                                  "Could not find operation %s for version "
                                  "2011-06-15" % action[:64])
        with self.lock:
            fault = self.sts_fault if self.sts_fault_left > 0 else None
            if fault:
                self.sts_fault_left -= 1
        if fault:
            self.count("sts_fault", last)
            return self.sts_error(h, action, 400, fault, "mock sts fault")
        if args.get("Version") != "2011-06-15":
            self.count("sts_refused", last)
            return self.sts_error(h, action, 400, "InvalidParameterValue",
                                  "Invalid Version")
        if action == "AssumeRole":
            try:
                akid, _ = self.verify(method, path, headers, body, "sts",
                                      ("content-type", "host", "x-amz-date"))
            except self.auth_error as e:
                self.count("sts_refused", last)
                return self.sts_error(h, action, e.status,
                                      STS_AUTH_CODES.get(e.type, e.type),
                                      e.message)
            last["access_key_id"] = akid
        elif args.get("WebIdentityToken") != WEB_IDENTITY_TOKEN:
            self.count("sts_refused", last)
            return self.sts_error(h, action, 400, "InvalidIdentityToken",
                                  "The web identity token that was passed "
                                  "could not be validated by AWS.")

        m = ROLE_ARN.match(args.get("RoleArn", ""))
        name = args.get("RoleSessionName", "")
        duration = args.get("DurationSeconds", "3600")
        if m is None:
            problem = "RoleArn is not a role ARN"
        elif not SESSION_NAME.match(name):
            problem = "RoleSessionName must match [\\w+=,.@-]{2,64}"
        elif not duration.isdigit() or not 900 <= int(duration) <= 43200:
            problem = "DurationSeconds must be between 900 and 43200"
        else:
            problem = None
        if problem:
            self.count("sts_refused", last)
            return self.sts_error(h, action, 400, "ValidationError", problem)
        role = m.group(2).rsplit("/", 1)[-1]
        if role == "mock-denied" or (role == "mock-external" and
                                     args.get("ExternalId") != EXTERNAL_ID):
            self.count("sts_refused", last)
            return self.sts_error(
                h, action, 403, "AccessDenied",
                "User: arn:aws:iam::%s:user/mock is not authorized to "
                "perform: sts:%s on resource: %s" % (ACCOUNT, action,
                                                     args["RoleArn"]))

        akid, secret, tok, exp = self.issue(action, int(duration))
        self.count(action, last)
        body = ('<{a}Response xmlns="{ns}"><{a}Result>'
                '<Credentials><AccessKeyId>{k}</AccessKeyId>'
                '<SecretAccessKey>{s}</SecretAccessKey>'
                '<SessionToken>{t}</SessionToken>'
                '<Expiration>{e}</Expiration></Credentials>'
                '<AssumedRoleUser><AssumedRoleId>AROAMOCK:{n}</AssumedRoleId>'
                '<Arn>arn:aws:sts::{acct}:assumed-role/{r}/{n}</Arn>'
                '</AssumedRoleUser></{a}Result>'
                '<ResponseMetadata><RequestId>{rid}</RequestId>'
                '</ResponseMetadata></{a}Response>').format(
                    a=action, ns=STS_NS, k=escape(akid), s=escape(secret),
                    t=escape(tok), e=exp, n=escape(name), acct=ACCOUNT,
                    r=escape(role), rid=uuid.uuid4())
        return h.respond(200, body.encode(), ctype=XML_CT, sts_action=action)

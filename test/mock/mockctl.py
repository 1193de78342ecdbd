#!/usr/bin/python3
"""Control the Athena mock (test/mock/mock_athena.py) from tests and scripts.

    mockctl.py [--port P | --port-file F] COMMAND [ARGS]

The port defaults to $MOCK_PORT, else the contents of $MOCK_PORT_FILE.
Commands (output is terse and exact; SQL tests print it):

    reset                  zero counters, clear faults, CLI latency; no output
    stats                  all counters as JSON, sorted keys
    count [OP]             API requests for OP (e.g. GetSessionStatus or
                           AmazonAthena.GetSessionStatus); default: all
    bytes [OP]             bytes of the response bodies sent for OP's
                           requests (default: all operations)
    model [--check]        the model check of every answer sent since the
                           mock started (never reset): "checked N off_model
                           N violations N", then one line per violation;
                           --check: exit status 1 when there is one
    conns                  TCP connections whose first request was an API call
    peak                   peak number of API requests in flight at once
    sigfail                number of requests rejected by the auth check
    requests [OP]          every API request (of OP) since reset, one per
                           line: "OP BODY" with the body as compact JSON
                           with sorted keys; lines sorted
    pagesize OP N          at most N items per page of OP (0 = no cap)
    latency MS             set the per-request latency; no output
    quota RPS [BURST]      meter API requests: a new, full token bucket of
                           RPS per second and BURST (default RPS); RPS 0
                           removes it; no output
    throttle-random F      throttle the fraction F (0..1) of API requests at
                           random, whatever their rate (and no quota);
                           0 stops; no output
    throttled              requests the quota answered with
                           ThrottlingException since the last reset
    fault KIND [COUNT] [--retry-after S] [--ms N] [--location URL] [--append]
          [--op OPERATION] [--skip N] [--bytes N] [--status S]
                           inject KIND into the next COUNT API requests
                           (default 1, -1 = until reset) of OPERATION (default
                           any), after letting N of them pass; KIND "none"
                           clears; no output
    terminations           the TerminateSession calls answered 200 since the
                           last reset, one "session_id previous_state" line
                           each, sorted by session id
    stops                  the StopCalculationExecution calls answered 200
                           since the last reset, one "calculation_id
                           previous_state" line each, sorted by id
    starts                 the StartSession and StartCalculationExecution
                           calls answered since the last reset, in order:
                           "OP ID new|same token|no-token" (same: the
                           token had started it already)
    tokens                 "N requests M distinct tokens" of those calls
                           that carried a ClientRequestToken
    calc-timing C Q R      a started calculation is CREATING for C
                           seconds, QUEUED for Q, RUNNING for R, then
                           COMPLETED (FAILED if its code says "raise");
                           default 0 0 0; no output
    canceling S            a stopped calculation is CANCELING for S seconds
                           (default 0), then CANCELED; no output
    last FIELD             a field of the last API request: user_agent,
                           target, body, method, path, access_key_id; signed_headers and
                           header_names print one lower-case name per line,
                           sorted
    identity counts        calls to the identity endpoints, "KIND N" lines
    identity count KIND    calls of one kind (AssumeRole, imds_credentials, ...)
    identity last FIELD    a field of the last identity call (action,
                           role_arn, role_session_name, external_id,
                           duration_seconds, access_key_id, signed)
    identity issued FIELD  every credential issued so far, one line each
                           (access_key_id, secret_access_key, session_token)
    identity expires-in S  issued credentials expire after S seconds
    identity expire-issued every credential issued so far expires now
    identity sts-fault CODE [N]  the next N STS calls answer 400 CODE
    identity imds-absent on|off  instance metadata answers 404 to everything
    identity inject WHAT   a deliberately broken answer: a CR LF and a header
                           line appended to the IMDS session token
                           ("imds_token") or to the session token of every
                           credential issued ("token"; "token:AssumeRole"
                           for one source's); "none" stops
                           ("default": as asked); no output
    wait                   wait (up to 10 s) until the mock answers; no output
    idle                   wait (up to 5 s) until no API request is in
                           flight, then print how many still are (0 unless
                           a client kept a request open); the mock notices a
                           client that went away within 200 ms

Exit status 0 on success, 1 on failure (message on stderr).
"""

import http.client
import json
import os
import sys
import time


def die(msg):
    sys.stderr.write("mockctl: %s\n" % msg)
    sys.exit(1)


def call(port, method, path, payload=None, timeout=10):
    body = json.dumps(payload).encode() if payload is not None else None
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Connection": "close"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    if resp.status != 200:
        die("%s %s -> %d %s" % (method, path, resp.status,
                                data.decode("utf-8", "replace")))
    return json.loads(data)


def read_port_file(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def main(argv):
    port = None
    port_file = None
    args = []
    opts = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--port", "--port-file", "--retry-after", "--ms",
                 "--location", "--op", "--skip", "--bytes", "--status"):
            if i + 1 >= len(argv):
                die("%s needs a value" % a)
            v = argv[i + 1]
            if a == "--port":
                port = v
            elif a == "--port-file":
                port_file = v
            else:
                opts[a[2:].replace("-", "_")] = v
            i += 2
            continue
        if a.startswith("--port="):
            port = a.split("=", 1)[1]
        elif a.startswith("--port-file="):
            port_file = a.split("=", 1)[1]
        elif a == "--append":
            opts["append"] = True
        elif a in ("-h", "--help"):
            sys.stdout.write(__doc__)
            return 0
        else:
            args.append(a)
        i += 1
    if not args:
        die("missing command (see --help)")
    cmd, rest = args[0], args[1:]

    if port is None and port_file is None:
        port = os.environ.get("MOCK_PORT") or None
        if not port:
            port_file = os.environ.get("MOCK_PORT_FILE")
    if port is not None:
        try:
            port = int(port)
        except ValueError:
            die("bad port %r" % port)
    elif port_file is None:
        die("no port: use --port, $MOCK_PORT or $MOCK_PORT_FILE")

    if cmd == "wait":
        deadline = time.monotonic() + 10
        while True:
            p = port if port is not None else read_port_file(port_file)
            if p is not None:
                try:
                    call(p, "GET", "/_mock/stats", timeout=1)
                    return 0
                except (OSError, ValueError, http.client.HTTPException):
                    pass
            if time.monotonic() > deadline:
                die("mock did not answer within 10 s")
            time.sleep(0.05)

    if port is None:
        port = read_port_file(port_file)
        if port is None:
            die("cannot read port from %s" % port_file)

    try:
        return run(port, cmd, rest, opts)
    except (OSError, http.client.HTTPException) as e:
        die("cannot reach mock on port %d: %s" % (port, e))


def identity_command(port, rest):
    """The identity endpoints' records (test/mock/identity.py)."""
    if len(rest) == 2 and rest[0] == "count":
        st = call(port, "GET", "/_mock/identity")
        return "%d\n" % st["counts"].get(rest[1], 0)
    if len(rest) == 1 and rest[0] == "counts":
        counts = call(port, "GET", "/_mock/identity")["counts"]
        return "".join("%s %d\n" % kv for kv in sorted(counts.items()))
    if len(rest) == 2 and rest[0] == "last":
        last = call(port, "GET", "/_mock/identity")["last"] or {}
        v = last.get(rest[1])
        return ("" if v is None else str(v)) + "\n"
    if len(rest) == 2 and rest[0] == "issued":
        issued = call(port, "GET", "/_mock/identity")["issued"]
        return "".join(i[rest[1]] + "\n" for i in issued)
    if len(rest) == 2 and rest[0] == "expires-in":
        v = None if rest[1] == "default" else int(rest[1])
        call(port, "POST", "/_mock/identity", {"expires_in": v})
        return ""
    if len(rest) == 1 and rest[0] == "expire-issued":
        call(port, "POST", "/_mock/identity", {"expire_issued": True})
        return ""
    if len(rest) in (2, 3) and rest[0] == "sts-fault":
        call(port, "POST", "/_mock/identity",
             {"sts_fault": rest[1],
              "count": int(rest[2]) if len(rest) == 3 else 1})
        return ""
    if len(rest) == 2 and rest[0] == "imds-absent":
        call(port, "POST", "/_mock/identity",
             {"imds_absent": rest[1] == "on"})
        return ""
    if len(rest) == 2 and rest[0] == "inject":
        call(port, "POST", "/_mock/identity",
             {"inject": None if rest[1] == "none" else rest[1]})
        return ""
    die("usage: identity count KIND | counts | last FIELD | issued FIELD | "
        "expires-in SECONDS|default | expire-issued | sts-fault CODE [N] | "
        "inject imds_token|token[:SOURCE]|none | imds-absent on|off")


def run(port, cmd, rest, opts):
    out = sys.stdout
    if cmd == "reset":
        call(port, "POST", "/_mock/reset", {})
    elif cmd == "stats":
        st = call(port, "GET", "/_mock/stats")
        out.write(json.dumps(st, sort_keys=True, indent=1,
                             ensure_ascii=False) + "\n")
    elif cmd == "count":
        st = call(port, "GET", "/_mock/stats")
        if rest:
            op = rest[0]
            if op.startswith("AmazonAthena."):
                op = op[len("AmazonAthena."):]
            n = st["requests_by_op"].get(op, 0)
        else:
            n = st["requests"]
        out.write("%d\n" % n)
    elif cmd == "bytes":
        by_op = call(port, "GET", "/_mock/stats")["response_bytes_by_op"]
        if rest:
            op = rest[0]
            if op.startswith("AmazonAthena."):
                op = op[len("AmazonAthena."):]
            n = by_op.get(op, 0)
        else:
            n = sum(by_op.values())
        out.write("%d\n" % n)
    elif cmd == "model":
        # never reset: what the whole run's answers did against the model
        m = call(port, "GET", "/_mock/stats")["model"]
        out.write("checked %d off_model %d violations %d\n"
                  % (m["checked"], m["off_model"], m["violations"]))
        for line in m["problems"]:
            out.write(line + "\n")
        if m["violations"] and rest[:1] == ["--check"]:
            sys.exit(1)
    elif cmd == "conns":
        out.write("%d\n" % call(port, "GET", "/_mock/stats")["connections"])
    elif cmd == "peak":
        out.write("%d\n" %
                  call(port, "GET", "/_mock/stats")["peak_in_flight"])
    elif cmd == "sigfail":
        out.write("%d\n" %
                  call(port, "GET", "/_mock/stats")["signature_failures"])
    elif cmd == "idle":
        deadline = time.monotonic() + 5
        while True:
            n = call(port, "GET", "/_mock/stats")["in_flight"]
            if n == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        out.write("%d\n" % n)
    elif cmd == "requests":
        want = rest[0] if rest else None
        if want and want.startswith("AmazonAthena."):
            want = want[len("AmazonAthena."):]
        lines = []
        for r in call(port, "GET", "/_mock/requests")["requests"]:
            if want is not None and r["op"] != want:
                continue
            try:
                b = json.dumps(json.loads(r["body"]), sort_keys=True,
                               separators=(",", ":"), ensure_ascii=False)
            except ValueError:
                b = r["body"]
            lines.append("%s %s" % (r["op"], b))
        for line in sorted(lines):
            out.write(line + "\n")
    elif cmd == "pagesize":
        if len(rest) != 2:
            die("usage: pagesize OP N")
        call(port, "POST", "/_mock/page_size",
             {"op": rest[0], "size": int(rest[1])})
    elif cmd == "quota":
        if len(rest) not in (1, 2):
            die("usage: quota RPS [BURST]")
        payload = {"rps": float(rest[0])}
        if len(rest) == 2:
            payload["burst"] = float(rest[1])
        call(port, "POST", "/_mock/quota", payload)
    elif cmd == "throttle-random":
        if len(rest) != 1:
            die("usage: throttle-random FRACTION")
        call(port, "POST", "/_mock/quota", {"rps": 0, "random": float(rest[0])})
    elif cmd == "throttled":
        out.write("%d\n" %
                  call(port, "GET", "/_mock/stats")["quota_throttled"])
    elif cmd == "latency":
        if len(rest) != 1:
            die("usage: latency MS")
        call(port, "POST", "/_mock/latency", {"ms": int(rest[0])})
    elif cmd == "fault":
        if not rest or len(rest) > 2:
            die("usage: fault KIND [COUNT] [--retry-after S] [--ms N]")
        payload = {"kind": rest[0]}
        if len(rest) == 2:
            payload["count"] = int(rest[1])
        if "retry_after" in opts:
            payload["retry_after"] = opts["retry_after"]
        if "ms" in opts:
            payload["ms"] = int(opts["ms"])
        if "location" in opts:
            payload["location"] = opts["location"]
        if "op" in opts:
            payload["op"] = opts["op"]
        if "skip" in opts:
            payload["skip"] = int(opts["skip"])
        if opts.get("append"):
            payload["append"] = True
        for key in ("bytes", "status"):
            if key in opts:
                payload[key] = int(opts[key])
        call(port, "POST", "/_mock/fault", payload)
    elif cmd == "terminations":
        st = call(port, "GET", "/_mock/stats")
        for t in sorted(st["terminations"],
                        key=lambda t: (t["session_id"], t["at"])):
            out.write("%s %s\n" % (t["session_id"], t["previous_state"]))
    elif cmd == "stops":
        st = call(port, "GET", "/_mock/stats")
        for t in sorted(st["stops"],
                        key=lambda t: (t["calculation_execution_id"],
                                       t["at"])):
            out.write("%s %s\n" % (t["calculation_execution_id"],
                                   t["previous_state"]))
    elif cmd == "starts":
        st = call(port, "GET", "/_mock/stats")
        for t in st["starts"]:
            out.write("%s %s %s %s\n" % (
                t["op"], t["id"], "new" if t["new"] else "same",
                "token" if t["token"] else "no-token"))
    elif cmd == "tokens":
        st = call(port, "GET", "/_mock/stats")
        tokens = [t["token"] for t in st["starts"] if t["token"]]
        out.write("%d requests %d distinct tokens\n" % (
            len(tokens), len(set(tokens))))
    elif cmd == "calc-timing":
        if len(rest) != 3:
            die("usage: calc-timing CREATING QUEUED RUNNING")
        call(port, "POST", "/_mock/calc_timing",
             dict(zip(("creating", "queued", "running"),
                      map(float, rest))))
    elif cmd == "canceling":
        if len(rest) != 1:
            die("usage: canceling SECONDS")
        call(port, "POST", "/_mock/canceling", {"seconds": float(rest[0])})
    elif cmd == "last":
        if len(rest) != 1:
            die("usage: last FIELD")
        last = call(port, "GET", "/_mock/stats")["last_request"]
        if last is None:
            die("no API request recorded")
        field = rest[0]
        if field not in last:
            die("unknown field %r (have: %s)" % (field,
                                                 ", ".join(sorted(last))))
        v = last[field]
        if isinstance(v, list):
            for name in sorted(x.lower() for x in v):
                out.write(name + "\n")
        elif v is None:
            out.write("\n")
        else:
            out.write(str(v) + "\n")
    elif cmd == "identity":
        out.write(identity_command(port, rest))
    else:
        die("unknown command %r (see --help)" % cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/python3
"""The boto3 side of the benchmark: what users would run instead.

    boto3_bench.py --port P --ids N [--threads T] [--rounds R]
    boto3_bench.py --port P --ids N --threads T --quota RPS,BURST
                   --retry-mode standard|adaptive
    boto3_bench.py --port P --list-workgroup WG [--details] [--threads T] ...
    boto3_bench.py --port P --transactions SECONDS --random-throttle F
                   --retry-mode standard|adaptive [--threads T]

Fetches gen-0 .. gen-(N-1) with GetSessionStatus through one boto3 client
(max_pool_connections = T, retries off) and a ThreadPoolExecutor(T), the
usual way to parallelize boto3.  With --list-workgroup, lists the sessions
of WG instead (ListSessions pages of 100, following NextToken), and with
--details then calls GetSession for each listed session in the pool.  Prints one JSON object: wall milliseconds
of the best and the median round, and CPU microseconds per call (user +
system of this process from getrusage, over all rounds).  The client and
its connection pool are created and warmed up before anything is timed, so
neither side pays for connection setup in the numbers.

With --quota, the client keeps botocore's defaults for the retry mode
given (3 attempts; "adaptive" adds its client-side rate limiter), and after
the warm-up the mock gets a new, full quota bucket of RPS per second and
BURST: one round then fetches every id, and the JSON says the wall time,
the ids that failed (after botocore's retries) and the answers the quota
throttled, as the mock counted them.

With --transactions, T client threads run for SECONDS what test/bench/
sporadic.sh's pgbench clients run: one lookup, then 10 ids fetched on a
shared pool of T threads, per transaction; 7 attempts (botocore's retry
mode as given).  The mock throttles the fraction F at random meanwhile.
The JSON says the transactions per second and the failed transactions.
"""

import argparse
import http.client
import json
import resource
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import botocore.exceptions
from botocore.config import Config


def mock_control(port, method, path, payload=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=json.dumps(payload or {}).encode(),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    if resp.status != 200:
        sys.exit("boto3_bench: %s %s: %d" % (method, path, resp.status))
    return json.loads(data)


def quota_round(a, client, pool, ids):
    """One round under the mock's quota; failures are counted, not fatal."""
    rps, burst = (float(x) for x in a.quota.split(","))

    def fetch(sid):
        try:
            client.get_session_status(SessionId=sid)
            return True
        except botocore.exceptions.ClientError:
            return False

    before = mock_control(a.port, "GET", "/_mock/stats")["requests"]
    mock_control(a.port, "POST", "/_mock/quota", {"rps": rps, "burst": burst})
    t0 = time.monotonic()
    results = list(pool.map(fetch, ids))
    wall = (time.monotonic() - t0) * 1000
    st = mock_control(a.port, "GET", "/_mock/stats")
    mock_control(a.port, "POST", "/_mock/quota", {"rps": 0})
    return {
        "ids": a.ids,
        "threads": a.threads,
        "retry_mode": a.retry_mode,
        "wall_ms": wall,
        "failed": results.count(False),
        "throttled": st["quota_throttled"],
        "requests": st["requests"] - before,
    }


def transactions_run(a, client, pool):
    """The pgbench-like workload for a.transactions seconds."""
    import random
    import threading
    done = [0, 0]                      # transactions, failed ones
    lock = threading.Lock()
    stop = time.monotonic() + a.transactions

    def fetch(sid):
        client.get_session_status(SessionId=sid)

    def worker(seed):
        rnd = random.Random(seed)
        while time.monotonic() < stop:
            i = rnd.randint(1, 100000)
            try:
                fetch("gen-%d" % i)
                list(pool.map(fetch, ["gen-%d" % (i + g) for g in range(1, 11)]))
                ok = True
            except botocore.exceptions.ClientError:
                ok = False
            with lock:
                done[0 if ok else 1] += 1

    mock_control(a.port, "POST", "/_mock/quota",
                 {"rps": 0, "random": a.random_throttle})
    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,))
               for n in range(a.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    mock_control(a.port, "POST", "/_mock/quota", {"rps": 0})
    return {"retry_mode": a.retry_mode, "random_throttle": a.random_throttle,
            "tps": done[0] / wall, "failed": done[1]}


def cpu_usec():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return (ru.ru_utime + ru.ru_stime) * 1e6


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ids", type=int)
    ap.add_argument("--list-workgroup")
    ap.add_argument("--details", action="store_true")
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quota", metavar="RPS,BURST")
    ap.add_argument("--retry-mode", choices=("standard", "adaptive"),
                    default="standard")
    ap.add_argument("--transactions", type=float, metavar="SECONDS")
    ap.add_argument("--random-throttle", type=float, default=0.0)
    a = ap.parse_args(argv)
    # benchmark (a) measures boto3 itself: no retries
    if a.transactions:
        retries = {"mode": a.retry_mode, "max_attempts": 7}
    elif a.quota:
        retries = {"mode": a.retry_mode}
    else:
        retries = {"max_attempts": 1, "mode": "standard"}

    client = boto3.session.Session(
        aws_access_key_id="AKIDMOCKSTATIC",
        aws_secret_access_key="mock/static/SECRET+key0123456789abcdefEXAMPLE",
        region_name="us-east-1",
    ).client(
        "athena",
        endpoint_url="http://127.0.0.1:%d" % a.port,
        config=Config(max_pool_connections=a.threads,
                      retries=retries),
    )
    if a.list_workgroup is None and a.ids is None and not a.transactions:
        ap.error("--ids, --list-workgroup or --transactions is required")

    def fetch(sid):
        return client.get_session_status(SessionId=sid)["Status"]["State"]

    def details(sid):
        return client.get_session(SessionId=sid)["Status"]["State"]

    def listing(pool):
        ids = []
        kw = {"WorkGroup": a.list_workgroup, "MaxResults": 100}
        while True:
            page = client.list_sessions(**kw)
            ids += [x["SessionId"] for x in page["Sessions"]]
            if "NextToken" not in page:
                break
            kw["NextToken"] = page["NextToken"]
        if a.details:
            return list(pool.map(details, ids))
        return ids

    with ThreadPoolExecutor(a.threads) as pool:
        # warm-up: open the pool's connections, load botocore's models
        warm = ["gen-%d" % i for i in range(max(a.threads * 2, 1))]
        list(pool.map(fetch, warm))
        if a.transactions:
            print(json.dumps(transactions_run(a, client, pool),
                             sort_keys=True))
            return 0
        if a.quota:
            ids = ["gen-%d" % i for i in range(a.ids)]
            print(json.dumps(quota_round(a, client, pool, ids),
                             sort_keys=True))
            return 0
        if a.list_workgroup is not None:
            client.list_sessions(WorkGroup=a.list_workgroup, MaxResults=1)
            if a.details:
                list(pool.map(details, warm))
            run = listing
            expected = None
        else:
            ids = ["gen-%d" % i for i in range(a.ids)]
            run = lambda pool: list(pool.map(fetch, ids))
            expected = a.ids
        walls = []
        c0 = cpu_usec()
        for _ in range(a.rounds):
            t0 = time.monotonic()
            rows = run(pool)
            walls.append((time.monotonic() - t0) * 1000)
            if expected is None:
                expected = len(rows)
            if len(rows) != expected:
                sys.exit("boto3_bench: %d answers, %d expected" %
                         (len(rows), expected))
        c1 = cpu_usec()

    print(json.dumps({
        "rows": expected,
        "ids": a.ids,
        "threads": a.threads,
        "rounds": a.rounds,
        "best_ms": min(walls),
        "median_ms": statistics.median(walls),
        "cpu_us_per_call": (c1 - c0) / (max(expected, 1) * a.rounds),
    }, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

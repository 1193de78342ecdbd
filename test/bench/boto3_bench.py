#!/usr/bin/python3
"""The boto3 side of the benchmark: what users would run instead.

    boto3_bench.py --port P --ids N [--threads T] [--rounds R] [--warmup]

Fetches gen-0 .. gen-(N-1) with GetSessionStatus through one boto3 client
(max_pool_connections = T, retries off) and a ThreadPoolExecutor(T), the
usual way to parallelize boto3.  Prints one JSON object: wall milliseconds
of the best and the median round, and CPU microseconds per call (user +
system of this process from getrusage, over all rounds).  The client and
its connection pool are created and warmed up before anything is timed, so
neither side pays for connection setup in the numbers.
"""

import argparse
import json
import resource
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config


def cpu_usec():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return (ru.ru_utime + ru.ru_stime) * 1e6


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ids", type=int, required=True)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args(argv)

    client = boto3.session.Session(
        aws_access_key_id="AKIDMOCKSTATIC",
        aws_secret_access_key="mock/static/SECRET+key0123456789abcdefEXAMPLE",
        region_name="us-east-1",
    ).client(
        "athena",
        endpoint_url="http://127.0.0.1:%d" % a.port,
        config=Config(max_pool_connections=a.threads,
                      retries={"max_attempts": 1, "mode": "standard"}),
    )
    ids = ["gen-%d" % i for i in range(a.ids)]

    def fetch(sid):
        return client.get_session_status(SessionId=sid)["Status"]["State"]

    with ThreadPoolExecutor(a.threads) as pool:
        # warm-up: open the pool's connections, load botocore's models
        list(pool.map(fetch, ids[:max(a.threads * 2, 1)]))
        walls = []
        c0 = cpu_usec()
        for _ in range(a.rounds):
            t0 = time.monotonic()
            states = list(pool.map(fetch, ids))
            walls.append((time.monotonic() - t0) * 1000)
            if len(states) != a.ids:
                sys.exit("boto3_bench: %d answers for %d ids" %
                         (len(states), a.ids))
        c1 = cpu_usec()

    print(json.dumps({
        "ids": a.ids,
        "threads": a.threads,
        "rounds": a.rounds,
        "best_ms": min(walls),
        "median_ms": statistics.median(walls),
        "cpu_us_per_call": (c1 - c0) / (a.ids * a.rounds),
    }, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""In-process CPU cost of the request path: the figures the machine's other load does not change.

Builds the same site as bench/core_overhead.py (demo station, every built-in plugin, the
``bench_probe`` plugin page), then serves requests through Flask's test client and prints the
CPU time (``time.process_time``) per request of a bare Flask hello, the plugin page and the full
kiosk page: best and median of ``--repeats`` batches of ``--requests`` requests. ``--profile
PATH`` profiles PATH with cProfile and prints the top functions.

    .venv/bin/python bench/request_cpu.py [--requests 300] [--repeats 7] [--profile /s/healthcare/]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._hello_app import app as hello_app
from bench.core_overhead import citizen_cookies, make_site


def per_request_ms(client, path: str, requests: int, repeats: int, cookie: str | None) -> list[float]:
    headers = {}
    if cookie:  # the test client's cookie jar replaces a Cookie header
        client.set_cookie(*cookie.split("=", 1))
    for _ in range(20):  # warm caches
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])
    batches = []
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(requests):
            client.get(path, headers=headers)
        batches.append((time.process_time() - start) * 1000 / requests)
    return batches


def calls_per_request(client, path: str, cookie: str | None, requests: int = 100) -> float:
    """Python function calls per request (cProfile's count): repeatable whatever the machine's load."""
    if cookie:
        client.set_cookie(*cookie.split("=", 1))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    return pstats.Stats(profiler).total_calls / requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--profile", default=None, help="a path to profile (e.g. /s/healthcare/)")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--callers", default=None, help="with --profile: print the callers of functions matching this")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "site"
        make_site(home, 4)
        cookie = citizen_cookies(home, 1)[0]
        from core.app import create_app
        from core.config import load_config

        app = create_app(load_config(str(home)))
        client = app.test_client()
        if args.profile:
            headers: dict[str, str] = {}
            client.set_cookie(*cookie.split("=", 1))
            for _ in range(20):
                client.get(args.profile, headers=headers)
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(args.requests):
                client.get(args.profile, headers=headers)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
            if args.callers:
                pstats.Stats(profiler).print_callers(args.callers)
            return 0
        hello = hello_app.test_client()
        rows = [("bare Flask hello", per_request_ms(hello, "/", args.requests, args.repeats, None),
                 calls_per_request(hello, "/", None))]
        flask_best = min(rows[0][1])
        for name, path in (("plugin page", "/s/bench_probe/"), ("full kiosk page", "/s/healthcare/")):
            rows.append((f"{name} ({path})", per_request_ms(client, path, args.requests, args.repeats, cookie),
                         calls_per_request(client, path, cookie)))
        for name, batches, calls in rows:
            print(f"{name:34}: best {min(batches):.3f} ms  median {statistics.median(batches):.3f} ms  "
                  f"(hello/this by best: {flask_best / min(batches):.2f}); {calls:.0f} Python calls "
                  f"(test client's included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A small closed-loop HTTP load generator (keep-alive connections, fixed duration).

Used by the bench scripts so the baseline and the station are driven identically.
Only ever points at 127.0.0.1.
"""

from __future__ import annotations

import http.client
import multiprocessing
import threading
import time


def _worker(port: int, path: str, cookie: str | None, seconds: float, out: multiprocessing.Queue,
            connections: int, body: bytes | None = None) -> None:
    counts = [0, 0]  # ok, errors
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Cookie": cookie} if cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        ok = bad = 0
        while time.monotonic() < deadline:
            try:
                conn.request("GET" if body is None else "POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    ok += 1
                else:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        with lock:
            counts[0] += ok
            counts[1] += bad

    threads = [threading.Thread(target=loop) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(tuple(counts))


def drive(port: int, path: str, seconds: float, cookie: str | None = None, processes: int = 2,
          connections_per_process: int = 4, body: bytes | None = None) -> tuple[float, int]:
    """Load ``path`` (GET, or POST of ``body``) for ``seconds``; returns (successful requests/s, errors)."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_worker, args=(port, path, cookie, seconds, queue,
                                                             connections_per_process, body))
               for _ in range(processes)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=seconds + 60) for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    return sum(r[0] for r in results) / elapsed, sum(r[1] for r in results)

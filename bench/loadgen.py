"""A small closed-loop HTTP load generator (keep-alive connections, fixed duration).

Used by the bench scripts so the baseline and the station are driven identically.
Only ever points at 127.0.0.1.
"""

from __future__ import annotations

import http.client
import multiprocessing
import threading
import time


def _worker(port: int, path: str | tuple[str, ...], cookie: str | list[str] | None, seconds: float,
            out: multiprocessing.Queue, connections: int, body: bytes | None = None,
            ok_statuses: tuple[int, ...] = (200,), offset: int = 0) -> None:
    counts = [0, 0]  # ok, errors
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    paths = (path,) if isinstance(path, str) else path

    def loop(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        own_cookie = cookie[number % len(cookie)] if isinstance(cookie, list) else cookie
        headers = {"Cookie": own_cookie} if own_cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        ok = bad = 0
        turn = 0
        while time.monotonic() < deadline:
            try:
                conn.request("GET" if body is None else "POST", paths[turn % len(paths)], body=body, headers=headers)
                turn += 1
                response = conn.getresponse()
                response.read()
                if response.status in ok_statuses:
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

    threads = [threading.Thread(target=loop, args=(offset + n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(tuple(counts))


def drive(port: int, path: str | tuple[str, ...], seconds: float, cookie: str | list[str] | None = None,
          processes: int = 2, connections_per_process: int = 4, body: bytes | None = None,
          ok_statuses: tuple[int, ...] = (200,)) -> tuple[float, int]:
    """Load ``path`` (GET, or POST of ``body``) for ``seconds``; returns (successful requests/s, errors).

    ``path`` may be several paths, taken in turn by each connection; ``cookie`` may be a list,
    one per connection (connection *n* uses ``cookie[n % len(cookie)]``)."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_worker, args=(port, path, cookie, seconds, queue,
                                                             connections_per_process, body, ok_statuses,
                                                             i * connections_per_process))
               for i in range(processes)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=seconds + 60) for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    return sum(r[0] for r in results) / elapsed, sum(r[1] for r in results)

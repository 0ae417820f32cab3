"""A PostgreSQL outage seen through a TCP proxy the test controls (the shared server keeps running).

Failure 5 of the fault campaign (issue 22): after PostgreSQL came back, stale connections kept
failing requests (500) and /healthz for ~10 s, and 40 s of outage wrote ~14,000 tracebacks.
"""

import logging
import socket
import threading
from urllib.parse import urlparse, urlunparse

import pytest

from sdk.testing import TemporaryPostgresDatabase, require_postgres


class TcpProxy:
    """Forwards 127.0.0.1:<port> to the database; ``cut()`` drops every connection and refuses new ones."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self.up = False
        with self.lock:
            for end in self.open:
                try:
                    end.shutdown(socket.SHUT_RDWR)
                    end.close()
                except OSError:
                    pass
            self.open.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture
def station_behind_proxy(make_station):
    database = TemporaryPostgresDatabase(require_postgres())
    parsed = urlparse(database.url)
    proxy = TcpProxy(parsed.hostname or "127.0.0.1", parsed.port or 5432)
    netloc = parsed.netloc.rsplit(":", 1)[0] if parsed.port else parsed.netloc
    url = urlunparse(parsed._replace(netloc=f"{netloc}:{proxy.port}"))
    try:
        app = make_station(plugins=["security"], database_url=url)
        yield app, proxy
    finally:
        from core import db

        proxy.close()
        db.database.close()
        database.drop()


def test_outage_gives_the_vietnamese_503_page_logs_once_and_the_first_request_after_succeeds(
        station_behind_proxy, caplog):
    app, proxy = station_behind_proxy
    client = app.test_client()
    assert client.get("/").status_code == 200
    caplog.set_level(logging.INFO)
    caplog.clear()
    proxy.cut()
    for _ in range(20):
        response = client.get("/")
        assert response.status_code == 503
        page = response.get_data(as_text=True)
        assert "Trạm tạm thời không phục vụ được" in page and "temporarily unavailable" in page
        assert response.headers["Retry-After"]
    assert client.get("/healthz").status_code == 503
    proxy.restore()
    assert client.get("/").status_code == 200  # the very first request after recovery
    assert client.get("/healthz").status_code == 200
    records = [r for r in caplog.records if r.name.startswith("core")]
    assert not [r for r in records if r.exc_info], "no traceback per request"
    down = [r.getMessage() for r in records if "database unreachable" in r.getMessage()]
    back = [r.getMessage() for r in records if "database back" in r.getMessage()]
    assert len(down) == 1 and len(back) == 1
    assert "21 request(s) were refused" in back[0]


def test_outage_in_the_middle_of_a_request_is_a_503_not_a_500(station_behind_proxy, caplog):
    app, proxy = station_behind_proxy

    @app.route("/_test_cut")
    def cut_then_query():
        from core import db

        proxy.cut()
        db.database.execute_sql("SELECT 1")
        return "unreachable"

    from core.permissions import public

    public(app.view_functions["cut_then_query"])
    client = app.test_client()
    assert client.get("/").status_code == 200
    caplog.set_level(logging.INFO)
    response = client.get("/_test_cut")
    assert response.status_code == 503
    proxy.restore()
    assert client.get("/").status_code == 200
    assert not [r for r in caplog.records if r.exc_info]

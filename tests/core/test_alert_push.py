"""Manager alerts pushed by webhook (HTTP POST JSON) and e-mail (SMTP) from a background worker
with retry, never blocking the request (issue 23). The receivers are tiny servers on 127.0.0.1."""

from __future__ import annotations

import json
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.alerts.push import AlertPusher
from core.errors import ConfigError


class Webhook:
    """Answers 500 to the first ``failures`` POSTs, then 204; keeps the JSON bodies; may be slow."""

    def __init__(self, failures: int = 0, delay: float = 0.0) -> None:
        self.bodies: list[dict] = []
        self.failures = failures
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(delay)
                if outer.failures > 0:
                    outer.failures -= 1
                    self.send_response(500)
                else:
                    outer.bodies.append(json.loads(body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Smtpd(socketserver.ThreadingTCPServer):
    """The few SMTP commands smtplib sends, keeping each message's text."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        self.messages: list[str] = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.wfile.write(b"220 localhost test smtpd\r\n")
                while line := self.rfile.readline():
                    verb = line.decode().strip().split(" ")[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.wfile.write(b"250 localhost\r\n")
                    elif verb == "DATA":
                        self.wfile.write(b"354 go on\r\n")
                        lines = []
                        while (data := self.rfile.readline()) not in (b".\r\n", b""):
                            lines.append(data.decode("utf-8", "replace"))
                        outer.messages.append("".join(lines))
                        self.wfile.write(b"250 queued\r\n")
                    elif verb == "QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 ok\r\n")

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture
def smtpd():
    server = Smtpd()
    yield server
    server.shutdown()
    server.server_close()


def _alert(app, kind="printer.paper_out", ref="device:printer-1"):
    with app.app_context():
        return app.extensions["payments"].alert("core", kind, ref, "Máy in hết giấy", "The printer is out of paper")


def test_an_alert_is_posted_to_the_webhook_and_mailed(make_station, webhook, smtpd):
    app = make_station(plugins=[], alerts={"webhook_url": webhook.url, "email_to": ["quanly@example.vn"],
                                           "smtp_host": "127.0.0.1", "smtp_port": smtpd.server_address[1],
                                           "retry_seconds": 0.01})
    _alert(app)
    _alert(app)  # the same open alert again: not pushed twice
    assert app.extensions["alert_push"].wait_idle()
    assert len(webhook.bodies) == 1
    body = webhook.bodies[0]
    assert (body["site"], body["kind"], body["object"], body["message_vi"]) == (
        "test-station", "printer.paper_out", "device:printer-1", "Máy in hết giấy")
    assert len(smtpd.messages) == 1 and "To: quanly@example.vn" in smtpd.messages[0]
    assert "Subject: [test-station]" in smtpd.messages[0]
    assert "The printer is out of paper" in smtpd.messages[0]


def test_a_failed_delivery_is_retried():
    hook = Webhook(failures=2)
    try:
        sleeps: list[float] = []
        pusher = AlertPusher({"webhook_url": hook.url, "attempts": 5, "retry_seconds": 0.01}, "s", sleep=sleeps.append)
        pusher.push({"kind": "k"})
        assert pusher.wait_idle()
        assert len(hook.bodies) == 1 and sleeps == [0.01, 0.02] and pusher.delivered[0].tries == 3
    finally:
        hook.close()


def test_it_gives_up_after_the_attempts_and_the_request_never_waits():
    hook = Webhook(delay=0.5)
    try:
        pusher = AlertPusher({"webhook_url": "http://127.0.0.1:9/nothing-listens", "attempts": 2,
                              "retry_seconds": 0.0}, "s")
        started = time.monotonic()
        pusher.push({"kind": "k"})
        slow = AlertPusher({"webhook_url": hook.url}, "s")
        slow.push({"kind": "k"})
        assert time.monotonic() - started < 0.2  # the slow receiver is not waited for
        assert pusher.wait_idle() and slow.wait_idle()
        assert len(pusher.failed) == 1 and pusher.failed[0].tries == 2 and len(hook.bodies) == 1
    finally:
        hook.close()


def test_without_alerts_configuration_nothing_is_pushed(make_station):
    app = make_station(plugins=[])
    assert app.extensions["alert_push"].channels == []
    _alert(app)


def test_a_bad_alerts_section_is_a_config_error(tmp_path):
    from core.config import config_from_dict

    with pytest.raises(ConfigError, match="email_to"):
        config_from_dict({"site": {"id": "site-a", "name_vi": "a", "name_en": "a", "address": "a"},
                          "alerts": {"email_to": ["not an address"]}}, tmp_path)

"""Push manager alerts by webhook (HTTP POST of JSON) and e-mail (SMTP), from a background worker.

``[alerts]`` in station.toml turns each channel on (``webhook_url``; ``email_to`` with
``smtp_host``). Raising an alert only puts it on an in-memory queue (:meth:`AlertPusher.push`
never blocks and never raises); a daemon thread delivers it and retries a failed delivery
``attempts`` times, ``retry_seconds`` apart (doubling). The console's alert list stays the
source of truth: an alert whose push failed for good, or that was queued when the station
stopped, is still there (and the failure is logged).

The message carries what the console shows — kind, time, the Vietnamese and English text,
the object reference (a device, a payment or receipt number, a staff account) — and no
personal data.
"""

from __future__ import annotations

import json
import logging
import queue
import smtplib
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

log = logging.getLogger("citizen_station.alerts")

_STOP = object()


@dataclass
class Delivery:
    """One alert to one channel, and how many times it was tried."""

    channel: str  # "webhook" | "email"
    payload: dict[str, Any]
    tries: int = 0


@dataclass
class AlertPusher:
    """The queue and worker that deliver alerts; :meth:`push` is all a request does."""

    settings: dict[str, Any]
    site_id: str
    secrets_dir: Path | None = None
    sleep: Callable[[float], None] = time.sleep
    delivered: list[Delivery] = field(default_factory=list)  # for diagnostics and tests
    failed: list[Delivery] = field(default_factory=list)
    _queue: queue.Queue[Any] = field(default_factory=queue.Queue)
    _thread: threading.Thread | None = None

    @property
    def channels(self) -> list[str]:
        """The channels configured in ``[alerts]``."""
        found = []
        if self.settings.get("webhook_url"):
            found.append("webhook")
        if self.settings.get("email_to") and self.settings.get("smtp_host"):
            found.append("email")
        return found

    def push(self, alert: dict[str, Any]) -> None:
        """Queue ``alert`` for every configured channel (returns at once)."""
        for channel in self.channels:
            self._queue.put(Delivery(channel, {**alert, "site": self.site_id}))
        if self.channels:
            self._ensure_worker()

    def _ensure_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="alert-push", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Let the worker finish what it holds, then end it."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once everything queued was delivered or given up (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.02)
        return self._queue.unfinished_tasks == 0

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                self._deliver_with_retry(item)
            finally:
                self._queue.task_done()

    def _deliver_with_retry(self, delivery: Delivery) -> None:
        attempts = int(self.settings.get("attempts", 5))
        wait = float(self.settings.get("retry_seconds", 30.0))
        while True:
            delivery.tries += 1
            try:
                (self._post if delivery.channel == "webhook" else self._mail)(delivery.payload)
            except Exception as exc:  # any failure is retried, then logged
                if delivery.tries >= attempts:
                    log.warning("alert push by %s failed for good after %d tries: %s", delivery.channel,
                                delivery.tries, exc)
                    self.failed.append(delivery)
                    return
                self.sleep(wait)
                wait *= 2
                continue
            self.delivered.append(delivery)
            return

    def _post(self, payload: dict[str, Any]) -> None:
        if not str(self.settings["webhook_url"]).startswith(("http://", "https://")):
            raise OSError("the alert webhook URL must be http(s)://")
        request = urllib.request.Request(self.settings["webhook_url"], method="POST",
                                         data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                                         headers={"Content-Type": "application/json; charset=utf-8",
                                                  "User-Agent": "citizen-station-alerts"})
        with urllib.request.urlopen(request, timeout=float(self.settings.get("timeout_seconds", 10))) as answer:  # nosec B310 # scheme checked above: http(s) only
            if not 200 <= answer.status < 300:
                raise OSError(f"webhook answered HTTP {answer.status}")

    def _mail(self, payload: dict[str, Any]) -> None:
        message = EmailMessage()
        message["From"] = self.settings.get("email_from") or "citizen-station@localhost"
        message["To"] = ", ".join(self.settings["email_to"])
        message["Subject"] = f"[{self.site_id}] Cảnh báo / Alert: {payload.get('kind', '')}"
        message.set_content(f"{payload.get('message_vi', '')}\n\n{payload.get('message_en', '')}\n\n"
                            f"{json.dumps(payload, ensure_ascii=False, indent=2)}\n")
        timeout = float(self.settings.get("timeout_seconds", 10))
        with smtplib.SMTP(self.settings["smtp_host"], int(self.settings.get("smtp_port", 25)),
                          timeout=timeout) as smtp:
            if self.settings.get("smtp_starttls"):
                smtp.starttls()
            if self.settings.get("smtp_username"):
                smtp.login(self.settings["smtp_username"], self._smtp_password())
            smtp.send_message(message)

    def _smtp_password(self) -> str:
        file = (self.secrets_dir or Path(".")) / "smtp.password"
        return file.read_text(encoding="utf-8").strip()

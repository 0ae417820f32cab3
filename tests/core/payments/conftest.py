"""Fixtures of the payment service tests: stations with simulated terminal, printer and bank."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

PAYMENT_PLUGINS = Path(__file__).parent / "plugins"


@pytest.fixture
def terminal_url() -> str:
    """A fresh simulated ZVT terminal (its own ledger)."""
    return f"sim://payment_terminal?profile=ok&instance=pay-{secrets.token_hex(4)}"


@pytest.fixture
def printer_url() -> str:
    """A fresh simulated receipt printer."""
    return f"sim://receipt_printer?profile=ok&instance=prn-{secrets.token_hex(4)}"


@pytest.fixture
def pay_station(make_station, terminal_url, printer_url):
    """``pay_station(terminal=True, printer=True, **config)`` → a station with the fx_payee plugin."""
    def make(terminal: bool = True, printer: bool = True, terminal_options=None, printer_profile="ok", **config):
        devices = []
        if terminal:
            devices.append({"id": "terminal-1", "kind": "payment_terminal", "url": terminal_url,
                            "options": {"ack_timeout": 0.5, "result_timeout": 1.0, **(terminal_options or {})}})
        if printer:
            devices.append({"id": "printer-1", "kind": "receipt_printer",
                            "url": printer_url.replace("profile=ok", f"profile={printer_profile}")})
        app = make_station(plugins=["fx_payee"], devices=devices, plugin_paths=(PAYMENT_PLUGINS,), **config)
        payee = app.extensions["station"].plugins.records["fx_payee"].module
        payee.SETTLED.clear()
        payee.FAIL_NEXT.clear()
        return app

    return make

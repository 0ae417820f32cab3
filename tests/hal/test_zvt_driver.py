"""Payment terminal driver against the ZVT simulator: sim://, a pseudo-terminal and TCP."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import hal  # noqa: F401  (registers the sim:// URL handler)
from hal.drivers import driver_for
from hal.drivers.payment_terminal import (
    PaymentDeclined,
    PaymentOutcomeUnknown,
    PaymentTerminalDriver,
)
from hal.errors import DeviceFault, DeviceTimeout, ProtocolError
from hal.model import DeviceDescriptor, DeviceKind, Status
from hal.protocols import zvt
from hal.sim import control
from hal.sim.payment_terminal import PaymentTerminalSimulator, ZvtTcpServer

REPO = Path(__file__).resolve().parents[2]
FAST = {"ack_timeout": 0.4, "result_timeout": 0.6}


@pytest.fixture
def terminal(request):
    """Factory: (driver, simulator) for a fresh sim:// terminal with a profile."""
    urls: list[str] = []
    drivers: list[PaymentTerminalDriver] = []

    def make(profile: str = "ok", **options):
        url = f"sim://payment_terminal?profile={profile}&instance={request.node.name}-{len(urls)}"
        urls.append(url)
        driver = PaymentTerminalDriver(
            DeviceDescriptor("pay-1", DeviceKind.payment_terminal, url, options={**FAST, **options})
        )
        drivers.append(driver)
        return driver, control.simulator(url)

    yield make
    for driver in drivers:
        driver.close()
    for url in urls:
        control.forget(url)


def test_payment_terminal_driver_is_registered_for_its_kind():
    assert driver_for("payment_terminal") is PaymentTerminalDriver


def test_approved_payment_returns_a_receipt_and_is_charged_once(terminal):
    driver, sim = terminal()
    assert driver.open() == Status.READY
    progress: list[int] = []
    result = driver.authorise(150_000, reference=4711, on_progress=progress.append)
    assert result.approved and result.amount_vnd == 150_000 and result.receipt_number == 1
    assert result.terminal_id == 29001234 and result.card_name == "VISA"
    assert progress == [zvt.INTERMEDIATE_INSERT_CARD, zvt.INTERMEDIATE_PLEASE_WAIT]
    assert [(e.trace_number, e.amount, e.currency) for e in sim.approved_charges()] == [(1001, 150_000, 704)]
    assert result.trace_number == 1001  # the terminal's number, not the station's 4711
    assert driver.status == Status.READY


def test_amount_exponent_scales_vnd_for_terminals_set_up_with_decimals(terminal):
    driver, sim = terminal(amount_exponent=2)
    result = driver.authorise(25_000, reference=1)
    assert sim.ledger[0].amount == 2_500_000
    assert result.amount_vnd == 25_000


def test_declined_payment_raises_declined_with_the_terminal_result(terminal):
    driver, sim = terminal("decline")
    with pytest.raises(PaymentDeclined) as caught:
        driver.authorise(50_000, reference=12)
    assert caught.value.code == "declined"
    assert caught.value.result.result_code == zvt.RESULT_DECLINED
    assert sim.approved_charges() == []
    assert driver.status == Status.READY  # the terminal itself is fine
    last = driver.last_transaction()
    assert last.outcome == "declined" and last.trace_number == caught.value.result.trace_number == 1001


def test_lost_result_is_reported_unknown_never_declined_and_enquiry_reveals_the_charge(terminal):
    driver, sim = terminal("silent_after_auth")
    with pytest.raises(PaymentOutcomeUnknown) as caught:
        driver.authorise(80_000, reference=99)
    assert not isinstance(caught.value, PaymentDeclined)
    assert caught.value.code == "outcome_unknown" and caught.value.reference == 99
    assert driver.status == Status.NOT_READY
    # The payment service asks instead of charging again.
    found = driver.last_transaction()
    assert found.outcome == "approved" and found.amount_vnd == 80_000 and found.trace_number == 1001
    assert len(sim.approved_charges(1001)) == 1


def test_a_terminal_without_transactions_reports_none(terminal):
    driver, sim = terminal()
    assert driver.last_transaction().outcome == "not_found"
    assert sim.ledger == []


def test_unplug_after_charging_is_unknown_and_replug_lets_the_service_enquire(terminal):
    driver, sim = terminal("unplug")
    driver.open()
    with pytest.raises(PaymentOutcomeUnknown):
        driver.authorise(30_000, reference=5)
    assert driver.status == Status.NOT_READY
    assert "unplugged" in driver.status_reason or "answer was lost" in driver.status_reason
    assert driver.heartbeat() == Status.NOT_READY
    sim.replug()
    assert driver.heartbeat() == Status.READY
    assert driver.last_transaction().outcome == "approved"
    assert len(sim.approved_charges()) == 1  # charged once, never twice


def test_bad_checksum_frames_are_nakked_and_end_in_a_protocol_error_before_any_charge(terminal):
    driver, sim = terminal("bad_checksum")
    with pytest.raises(ProtocolError, match="broken frames"):
        driver.authorise(10_000, reference=3)
    assert sim.ledger == []
    assert driver.status == Status.ERROR


def test_garbage_from_the_terminal_is_a_protocol_error_and_nothing_is_charged(terminal):
    driver, sim = terminal("garbage")
    with pytest.raises(ProtocolError):
        driver.authorise(10_000, reference=3)
    assert sim.ledger == []
    assert driver.status == Status.ERROR


def test_silent_terminal_times_out_before_the_payment_is_sent(terminal):
    driver, sim = terminal("timeout")
    assert driver.open() == Status.NOT_READY
    with pytest.raises(DeviceTimeout):
        driver.authorise(10_000, reference=3)
    assert sim.ledger == []


def test_wrong_registration_password_is_refused(terminal):
    driver, sim = terminal(password=123456)
    with pytest.raises(DeviceFault) as caught:
        driver.authorise(10_000, reference=3)
    assert caught.value.code == "refused"
    assert sim.ledger == []


def test_terminal_resends_a_frame_the_driver_nakked(terminal):
    driver, sim = terminal()
    driver.open()
    port = driver._port  # the in-process port: play the ECR by hand
    port.write(zvt.encode_frame(bytes(zvt.encode_registration(zvt.Registration()))))
    port.timeout = 0.3
    answer = port.read(1 + 9)
    assert answer[0] == zvt.ACK and answer[1:] == zvt.encode_frame(bytes(zvt.positive_ack()))
    port.write(bytes([zvt.NAK]))
    assert port.read(9) == zvt.encode_frame(bytes(zvt.positive_ack()))


# --------------------------------------------------------------------------- TCP


def _tcp_driver(server: ZvtTcpServer) -> PaymentTerminalDriver:
    return PaymentTerminalDriver(
        DeviceDescriptor("pay-tcp", DeviceKind.payment_terminal, server.url, options=FAST)
    )


def test_payment_over_tcp_uses_bare_apdus():
    sim = PaymentTerminalSimulator("ok", {"transport": "tcp"})
    with ZvtTcpServer(sim) as server:
        assert server.host == "127.0.0.1" and server.port != zvt.DEFAULT_TCP_PORT
        driver = _tcp_driver(server)
        try:
            assert driver.open() == Status.READY
            assert driver.authorise(200_000, reference=77).approved
            assert driver.last_transaction().receipt_number == 1
        finally:
            driver.close()
    assert len(sim.approved_charges(1001)) == 1


def test_tcp_silent_terminal_is_unknown_then_resolved_by_enquiry():
    sim = PaymentTerminalSimulator("silent_after_auth", {"transport": "tcp"})
    with ZvtTcpServer(sim) as server:
        driver = _tcp_driver(server)
        try:
            with pytest.raises(PaymentOutcomeUnknown):
                driver.authorise(60_000, reference=8)
            assert driver.last_transaction().approved
        finally:
            driver.close()
    assert len(sim.approved_charges()) == 1


def test_tcp_declined_payment():
    sim = PaymentTerminalSimulator("decline", {"transport": "tcp"})
    with ZvtTcpServer(sim) as server:
        driver = _tcp_driver(server)
        try:
            with pytest.raises(PaymentDeclined):
                driver.authorise(60_000, reference=9)
        finally:
            driver.close()


def test_answers_for_a_vanished_host_never_reach_the_next_connection():
    """A host killed mid-exchange: the next connection gets only its own answers (crash-campaign bug)."""
    import socket

    sim = PaymentTerminalSimulator("ok", {"transport": "tcp"})
    with ZvtTcpServer(sim) as server:
        # A host registers and dies before the terminal's (slightly delayed) answers go out.
        with socket.create_connection((server.host, server.port)) as doomed:
            doomed.sendall(bytes(zvt.encode_registration(zvt.Registration(0))))
        with socket.create_connection((server.host, server.port)) as fresh:
            fresh.settimeout(0.3)
            with pytest.raises(TimeoutError):  # a terminal never speaks first on a new connection
                fresh.recv(64)
        driver = _tcp_driver(server)
        try:
            assert driver.authorise(50_000, reference=5).approved
            assert driver.last_transaction().approved
        finally:
            driver.close()


# --------------------------------------------------------------------------- pseudo-terminal


@pytest.fixture
def pty_terminal(pty_sim):
    """The payment terminal simulator on a pseudo-terminal (``python -m hal.sim``); its tty path."""
    return pty_sim("payment_terminal", options=None).path


def test_payment_over_a_pseudo_terminal_as_on_hardware(pty_terminal):
    driver = PaymentTerminalDriver(
        DeviceDescriptor("pay-pty", DeviceKind.payment_terminal, pty_terminal,
                         options={"ack_timeout": 2.0, "result_timeout": 3.0})
    )
    try:
        assert driver.open() == Status.READY
        result = driver.authorise(45_000, reference=321)
        assert result.approved and result.amount_vnd == 45_000
        assert driver.last_transaction().approved
    finally:
        driver.close()


# -- issue 16: the terminal numbers its transactions; the config byte says what it claims ------


def test_the_terminal_assigns_its_own_trace_and_receipt_numbers_and_the_approval_stands(terminal):
    driver, sim = terminal()
    first = driver.authorise(150_000, reference=4711)
    second = driver.authorise(20_000, reference=4712)
    assert first.approved and second.approved  # the terminal's trace number is not the station's reference
    assert (first.trace_number, first.receipt_number) == (1001, 1)
    assert (second.trace_number, second.receipt_number) == (1002, 2)
    assert [e.trace_number for e in sim.approved_charges()] == [1001, 1002]


def test_a_real_terminals_trace_number_far_from_the_reference_is_kept(terminal):
    driver, sim = terminal()
    sim.options["first_trace"] = 987654  # the terminal's counter, nothing to do with the station's
    result = driver.authorise(50_000, reference=3)
    assert result.approved and result.trace_number == 987654 and result.reference == 3


def test_registration_asks_for_intermediate_status_and_the_terminal_sends_it_only_then(terminal, monkeypatch):
    assert zvt.Registration().config == 0x8E
    assert zvt.Registration().config & zvt.CONFIG_INTERMEDIATE_STATUS
    assert zvt.Registration().config & zvt.CONFIG_ECR_PRINTS_PAYMENT_RECEIPT
    driver, sim = terminal()
    progress: list[int] = []
    driver.authorise(10_000, reference=1, on_progress=progress.append)
    assert sim.config == 0x8E and progress == [zvt.INTERMEDIATE_INSERT_CARD, zvt.INTERMEDIATE_PLEASE_WAIT]
    original = zvt.encode_registration
    monkeypatch.setattr(zvt, "encode_registration",  # the old config byte, without bit 3
                        lambda reg: original(dataclasses.replace(reg, config=0x86)))
    silent: list[int] = []
    assert driver.authorise(10_000, reference=2, on_progress=silent.append).approved
    assert sim.config == 0x86 and silent == []


# -- byte level: a scripted terminal on TCP, no simulator in between ---------------------------


def _scripted_terminal(replies: list[bytes]):
    """A TCP 'terminal' that answers each APDU it receives with the next reply bytes."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(2)
            buffer = b""
            for reply in replies:
                while (split := zvt.split_apdu(buffer)) is None:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    buffer += chunk
                apdu, buffer = split
                received.append(bytes(apdu))
                if reply:
                    conn.sendall(reply)
        listener.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"socket://127.0.0.1:{listener.getsockname()[1]}", received, thread


def test_an_approval_with_the_terminals_own_trace_number_is_accepted_byte_for_byte():
    ack, done = bytes.fromhex("800000"), bytes.fromhex("060F00")
    status = bytes.fromhex(  # 04 0F: 27 result 00 · 04 amount · 49 currency · 0B trace 987654 · 87 receipt 0042
        "040F18" "2700" "04000000150000" "490704" "0B987654" "870042" "2929001234")
    url, received, thread = _scripted_terminal([
        ack + done,        # registration 06 00 → 80 00 00, completion
        b"",               # our 80 00 00 for the completion
        ack + status,      # authorisation 06 01 → 80 00 00, status information
        done,              # our 80 00 00 for the status → completion
        b"",               # our 80 00 00 for the completion
    ])
    driver = PaymentTerminalDriver(DeviceDescriptor("pay-bytes", DeviceKind.payment_terminal, url,
                                                    options=FAST))
    try:
        result = driver.authorise(150_000, reference=4711)
    finally:
        driver.close()
    thread.join(timeout=2)
    assert result.approved and result.trace_number == 987654 and result.receipt_number == 42
    assert result.terminal_id == 29001234 and result.amount_vnd == 150_000
    assert received[0] == bytes.fromhex("0600 06 000000 8E 0704")  # config byte: bit 3 set
    # The authorisation carries amount and currency only: no station number in bitmap 0B.
    assert received[2] == bytes.fromhex("0601 0A 04000000150000 490704")

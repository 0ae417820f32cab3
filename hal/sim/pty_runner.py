"""Serve a simulator behind a pseudo-terminal, so drivers are tested exactly as on hardware.

    python -m hal.sim <kind> [--profile P] [--option k=v ...] [--link PATH]

Prints the path to open (the pty slave, or ``--link``, a symlink to it that survives
replugs, like ``/dev/serial/by-id/...``) on the first line of stdout, then serves until
SIGTERM/SIGINT. Signals script the cable: SIGUSR1 unplugs (the pty is closed: the host's
reads and writes fail), SIGUSR2 plugs the device back in on a new pty (``--link`` follows).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import signal
import sys
import time
import tty

from hal.sim import simulator_for, simulator_kinds
from hal.sim.base import Simulator

#: Longest sleep when the simulator has nothing scheduled (only host bytes can wake it).
IDLE_WAIT = 1.0


class PtyLink:
    """One pseudo-terminal pair; the master is the device side."""

    def __init__(self, link: str | None) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no echo, no CR/LF translation: a clean 8-bit line
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        self.link = link
        if link:
            tmp = f"{link}.tmp{os.getpid()}"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(self.path, tmp)
            os.replace(tmp, link)

    @property
    def public_path(self) -> str:
        return self.link or self.path

    def write(self, data: bytes) -> None:
        try:
            os.write(self.master, data)
        except BlockingIOError:
            pass  # host not reading and buffer full: bytes are lost, as on a real line

    def close(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


def serve(sim: Simulator, link: str | None, out=sys.stdout) -> None:
    """Run ``sim`` behind a pty until SIGTERM/SIGINT."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    os.set_blocking(wake_r, False)
    pending: list[int] = []

    def on_signal(signum, _frame) -> None:
        pending.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, on_signal)
    signal.set_wakeup_fd(wake_w)

    pty: PtyLink | None = PtyLink(link)
    print(pty.public_path, file=out, flush=True)
    try:
        while True:
            while pending:
                signum = pending.pop(0)
                if signum in (signal.SIGTERM, signal.SIGINT):
                    return
                if signum == signal.SIGUSR1:
                    sim.unplug()
                elif signum == signal.SIGUSR2 and not sim.plugged:
                    sim.replug()
            if not sim.plugged and pty is not None:
                pty.close()
                pty = None
            if sim.plugged and pty is None:
                pty = PtyLink(link)
            now = time.monotonic()
            if pty is not None:
                data = sim.emit(now)
                if data:
                    pty.write(data)
            next_at = sim.next_emit_at(now)
            wait = IDLE_WAIT if next_at is None else min(IDLE_WAIT, max(0.0, next_at - now))
            fds = [wake_r] + ([pty.master] if pty is not None else [])
            readable, _, _ = select.select(fds, [], [], wait)
            if wake_r in readable:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_r, 512)
            if pty is not None and pty.master in readable:
                try:
                    data = os.read(pty.master, 4096)
                except (BlockingIOError, OSError):
                    data = b""
                if data:
                    sim.receive(data, time.monotonic())
    finally:
        if pty is not None:
            pty.close()
        if link:
            with contextlib.suppress(OSError):
                os.unlink(link)


def _parse_option(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point of ``python -m hal.sim``."""
    kinds = [kind.value for kind in simulator_kinds()]
    parser = argparse.ArgumentParser(
        prog="python -m hal.sim", description="Serve a simulated device on a pseudo-terminal."
    )
    parser.add_argument("kind", choices=kinds, help="device kind to simulate")
    parser.add_argument("--profile", default="ok", help="fault profile (default: ok)")
    parser.add_argument("--option", "-o", action="append", default=[], type=_parse_option,
                        metavar="NAME=VALUE", help="simulator option (repeatable)")
    parser.add_argument("--link", help="also publish the tty as this symlink (stable on replug)")
    args = parser.parse_args(argv)
    try:
        sim = simulator_for(args.kind)(args.profile, dict(args.option))
    except ValueError as exc:
        parser.error(str(exc))
    serve(sim, args.link)
    return 0

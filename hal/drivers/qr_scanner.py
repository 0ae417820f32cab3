"""QR scanner driver: one scan = text + CR (or CR LF, option ``suffix``).

A serial scanner cannot be asked whether it is there, so the heartbeat only checks that the
port still works (and discards stale scans). A reading discards scans made before it was
asked for and waits for the next one; if nobody scans in time that is ``nothing_scanned``,
not a device problem.
"""

from __future__ import annotations

from typing import Any

from hal.drivers import register_driver
from hal.drivers.base import Driver
from hal.errors import DeviceFault, DeviceTimeout
from hal.model import DeviceKind, Reading
from hal.protocols.qr_scanner import MAX_SCAN, decode_scan, suffix_bytes


@register_driver(DeviceKind.qr_scanner)
class QrScannerDriver(Driver):
    default_capabilities = frozenset({"qr"})
    option_defaults = {"suffix": "cr", "scan_timeout": 30.0}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.suffix = suffix_bytes(self.options["suffix"])

    def _probe(self, port: Any) -> str | None:
        waiting = port.in_waiting
        if waiting:
            port.read(waiting)
        return None

    def read(self, timeout: float | None = None) -> Reading:
        """Wait for the next scan; the text is in ``values["code"]``."""
        with self._session() as port:
            self._discard_input()
            wait = self.options["scan_timeout"] if timeout is None else timeout
            try:
                line = self._read_until(port, self.suffix, self._deadline(wait),
                                        max_length=MAX_SCAN + 2, what="a scan")
            except DeviceTimeout:
                raise DeviceFault("nothing_scanned", "Nothing was scanned in time: hold the "
                                                     "code steady under the scanner") from None
            return self._reading({"code": decode_scan(line, self.options["suffix"])})

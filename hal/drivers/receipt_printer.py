"""Receipt printer driver: ESC/POS (see hal.protocols.receipt_printer).

Printing checks the paper first (paper out: nothing is sent, DeviceFault ``paper_out``),
sends the job followed by ``GS r 1`` and waits for that answer, which the printer only
gives once everything before it has been processed. Meanwhile it polls ``DLE EOT 4``; if
the paper runs out mid-job the receipt is reported as *not* printed (``paper_out``).

Options (the device's ``options`` in station.toml): ``text_mode`` — ``code_page`` (text in
WPC1258, ``ESC t 52``; the default) or ``raster`` for a printer without that table: each
text line is sent as a ``GS v 0`` image (:meth:`Receipt.to_raster_bytes`); ``raster_width``
— dots across the paper (384 for 58 mm, 576 for 80 mm).
"""

from __future__ import annotations

from typing import Any

from hal.drivers import register_driver
from hal.drivers.base import Driver
from hal.errors import DeviceFault, DeviceTimeout
from hal.model import DeviceKind, Reading, Status
from hal.protocols import receipt_printer as escpos

NEAR_END_NOTE = "paper near end"


def _paper_out(during_job: bool) -> DeviceFault:
    if during_job:
        return DeviceFault("paper_out", "The printer ran out of paper while printing; the "
                           "receipt is incomplete. Load paper and print it again.",
                           status_after=Status.NOT_READY)
    return DeviceFault("paper_out", "The printer is out of paper: load a new roll",
                       status_after=Status.NOT_READY)


@register_driver(DeviceKind.receipt_printer)
class ReceiptPrinterDriver(Driver):
    default_capabilities = frozenset({"text", "qr", "cut", "vietnamese"})
    option_defaults = {"print_timeout": 10.0, "status_poll": 0.2, "text_mode": "code_page", "raster_width": 384}
    text_modes = ("code_page", "raster")

    def _job(self, receipt: escpos.Receipt | bytes) -> bytes:
        if not isinstance(receipt, escpos.Receipt):
            return bytes(receipt)
        mode = self.options["text_mode"]
        if mode not in self.text_modes:
            raise ValueError(f"receipt printer {self.device_id}: text_mode must be one of {', '.join(self.text_modes)}")
        if mode == "raster":
            return receipt.to_raster_bytes(int(self.options["raster_width"]))
        return receipt.to_bytes()

    def _status_byte(self, port: Any, request: bytes, deadline: float) -> int:
        port.write(request)
        data = self._read_some(port, deadline)
        if not data:
            raise DeviceTimeout(f"device {self.device_id} did not answer a status request")
        self._pending = bytearray(data[1:]) + self._pending
        return data[0]

    def _paper_state(self, port: Any) -> escpos.PaperState:
        deadline = self._deadline(self.answer_timeout)
        online = escpos.decode_printer_status(
            self._status_byte(port, escpos.realtime_status_request(1), deadline))
        paper = escpos.decode_roll_paper_status(
            self._status_byte(port, escpos.realtime_status_request(4), deadline))
        if paper.out:
            raise _paper_out(during_job=False)
        if not online:
            raise DeviceFault("offline", "The printer is offline: close the cover and check "
                                         "the paper", status_after=Status.NOT_READY)
        return paper

    def _probe(self, port: Any) -> str | None:
        self._discard_input()
        return NEAR_END_NOTE if self._paper_state(port).near_end else None

    def read(self, timeout: float | None = None) -> Reading:
        """The paper state as a reading: ``values["paper"]`` is "ok" or "near_end"."""
        with self._session() as port:
            self._discard_input()
            return self._reading({"paper": self._paper_state(port).name})

    def print_receipt(self, receipt: escpos.Receipt | bytes) -> None:
        """Print a receipt; returns once the printer confirmed it, raises otherwise."""
        job = self._job(receipt)
        with self._session() as port:
            self._discard_input()
            self._paper_state(port)
            port.write(job + escpos.PAPER_STATUS_REQUEST)
            deadline = self._deadline(self.options["print_timeout"])
            while True:
                poll_until = min(deadline, self._clock() + self.options["status_poll"])
                data = self._read_some(port, poll_until)
                for byte in data:
                    if escpos.is_realtime_status_byte(byte):
                        if escpos.decode_roll_paper_status(byte).out:
                            raise _paper_out(during_job=True)
                        continue
                    paper = escpos.decode_paper_sensor_status(byte)
                    if paper.out:
                        raise _paper_out(during_job=True)
                    self._set_status(Status.READY, NEAR_END_NOTE if paper.near_end else "")
                    return
                if not data:
                    if self._clock() >= deadline:
                        raise DeviceTimeout(f"device {self.device_id} did not confirm the "
                                            "receipt")
                    port.write(escpos.realtime_status_request(4))

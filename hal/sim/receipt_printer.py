"""Simulated ESC/POS receipt printer that keeps what it printed, decoded.

Completed receipts (ended by a cut) are in :attr:`ReceiptPrinterSimulator.receipts`, each
with its text lines (decoded from the selected code table, so tests can assert Vietnamese
text), QR symbols (model, size, error correction, data) and ``GS v 0`` raster images
(decoded into their rows of dots, :class:`RasterImage`).

``code_pages`` (``0,2,16,52``) lists the ESC t tables the printer has: ``code_pages=0,16``
is a printer without Vietnamese (WPC1258) — it ignores ``ESC t 52`` and prints the bytes in
its current table, as real ones do; such a printer needs the raster fallback.

Paper: ``paper_lines`` lines on the roll (5000); near end at ``near_end_at`` (200) lines
left. When the paper runs out mid-job the printer goes offline ("stopped by paper end"),
discards the rest of the job and never answers its GS r; :meth:`load_paper` brings it back.
Profiles: ``paper_out`` (empty roll), ``paper_near_end``; ``unplug`` vanishes when a job
starts; ``garbage`` / ``bad_checksum`` damage status bytes (ESC/POS has no checksum; a
status byte with wrong fixed bits is what corruption looks like).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hal.errors import ProtocolError
from hal.model import DeviceKind
from hal.protocols import receipt_printer as escpos
from hal.sim import register_simulator
from hal.sim.base import Simulator

#: Paper a printed QR symbol takes, in lines.
QR_LINES = 8
#: Dots of paper a text line takes (raster images use paper by their height).
DOTS_PER_LINE = 30


@dataclass(frozen=True)
class PrintedLine:
    text: str
    bold: bool = False
    align: int = 0


@dataclass(frozen=True)
class QrSymbol:
    model: int
    size: int
    ecc: int
    data: bytes


@dataclass(frozen=True)
class RasterImage:
    """A ``GS v 0`` image as printed: rows of ``width_bytes`` bytes, MSB leftmost, 1 = black."""

    width_bytes: int
    height: int
    data: bytes

    def pixel(self, x: int, y: int) -> bool:
        return bool(self.data[y * self.width_bytes + x // 8] & (0x80 >> (x % 8)))

    def ink(self) -> int:
        """Black dots in the image."""
        return sum(bin(b).count("1") for b in self.data)


@dataclass
class PrintedReceipt:
    items: list[PrintedLine | QrSymbol | RasterImage] = field(default_factory=list)

    @property
    def raster_images(self) -> list[RasterImage]:
        return [item for item in self.items if isinstance(item, RasterImage)]

    @property
    def lines(self) -> list[PrintedLine]:
        return [item for item in self.items if isinstance(item, PrintedLine)]

    @property
    def text(self) -> str:
        """The printed text, one line per line."""
        return "\n".join(line.text for line in self.lines)

    @property
    def qr_codes(self) -> list[QrSymbol]:
        return [item for item in self.items if isinstance(item, QrSymbol)]


@register_simulator(DeviceKind.receipt_printer)
class ReceiptPrinterSimulator(Simulator):
    profiles = frozenset({"paper_out", "paper_near_end"})
    option_defaults = {"paper_lines": 5000, "near_end_at": 200, "code_pages": "0,2,16,52"}
    line_settings = {"baudrate": 9600, "bytesize": 8, "parity": "N", "stopbits": 1}

    def __init__(self, *args, **kwargs) -> None:
        self.receipts: list[PrintedReceipt] = []
        self.incomplete: list[PrintedReceipt] = []
        self.protocol_errors = 0
        super().__init__(*args, **kwargs)

    def reset(self) -> None:
        try:
            self.code_pages = {int(n) for n in str(self.options["code_pages"]).split(",") if n.strip()}
        except ValueError:
            raise ValueError("code_pages is a comma-separated list of ESC t numbers") from None
        self._parser = escpos.EscPosParser()
        self.offline = False
        self.stopped_by_paper_end = False
        if self.profile == "paper_out":
            self.paper_lines = 0
        elif self.profile == "paper_near_end":
            self.paper_lines = self.options["near_end_at"]
        else:
            self.paper_lines = self.options["paper_lines"]
        self._init_format()
        self._page = PrintedReceipt()

    def _init_format(self) -> None:
        self.code_page = 0
        self.bold = False
        self.align = 0
        self._line = ""
        self._line_bold = False
        self._qr = {"model": 50, "size": 3, "ecc": 48, "data": b""}

    # -- paper ------------------------------------------------------------------------------

    @property
    def paper_out(self) -> bool:
        return self.paper_lines <= 0

    @property
    def paper_near_end(self) -> bool:
        return self.paper_lines <= self.options["near_end_at"]

    def load_paper(self, lines: int | None = None) -> None:
        """A new roll: back online."""
        self.paper_lines = self.options["paper_lines"] if lines is None else lines
        self.offline = self.stopped_by_paper_end = False
        self._notify()

    # -- protocol -----------------------------------------------------------------------------

    def on_bytes(self, data: bytes) -> None:
        try:
            commands = self._parser.feed(data)
        except ProtocolError:
            self.protocol_errors += 1
            return
        for command in commands:
            if command.name == "realtime_status":
                self._answer_realtime(command.args[0])
            elif self.offline:
                continue  # stopped by paper end: the rest of the job is lost
            elif command.name == "paper_sensor_status":
                self.send(bytes([escpos.encode_paper_sensor_status(
                    near_end=self.paper_near_end, paper_out=self.paper_out)]))
            elif command.name in ("text", "lf", "qr", "cut", "feed", "raster") \
                    and self.vanish_if_unplug_profile():
                return
            else:
                self._execute(command)

    def _answer_realtime(self, n: int) -> None:
        value = escpos.encode_realtime_status(
            n, offline=self.offline, near_end=self.paper_near_end,
            paper_out=self.paper_out if n == 4 else self.stopped_by_paper_end)
        self.send(bytes([value]))

    def _execute(self, command: escpos.Command) -> None:
        name, args = command.name, command.args
        if name == "init":
            self._init_format()
        elif name == "code_page":
            if args[0] in self.code_pages:  # a table the printer lacks is ignored, as real ones do
                self.code_page = args[0]
        elif name == "bold":
            self.bold = bool(args[0] & 1)
        elif name == "align":
            self.align = args[0] - 48 if args[0] >= 48 else args[0]
        elif name == "text":
            self._line += escpos.decode_text(command.data, self.code_page) \
                if self.code_page in escpos.CODE_PAGES else "?" * len(command.data)
            self._line_bold = self._line_bold or self.bold
        elif name == "lf":
            self._print_line()
        elif name == "feed":
            if self._line:
                self._print_line()
            for _ in range(args[0]):
                if not self._consume(1):
                    return
        elif name == "qr":
            self._qr_function(args[0], command.data)
        elif name == "raster":
            if self._line:
                self._print_line()
            if self._consume(max(1, -(-args[2] // DOTS_PER_LINE))):
                self._page.items.append(RasterImage(args[1], args[2], command.data))
        elif name == "cut":
            if self._line:
                self._print_line()
            if not self.offline:
                self.receipts.append(self._page)
                self._page = PrintedReceipt()
        # "size" and "cr" change nothing we record.

    def _qr_function(self, fn: int, data: bytes) -> None:
        if fn == 65 and data:
            self._qr["model"] = data[0]
        elif fn == 67 and data:
            self._qr["size"] = data[0]
        elif fn == 69 and data:
            self._qr["ecc"] = data[0]
        elif fn == 80 and data[:1] == b"\x30":
            self._qr["data"] = data[1:]
        elif fn == 81 and self._consume(QR_LINES):
            self._page.items.append(QrSymbol(**self._qr))

    def _print_line(self) -> None:
        if self._consume(1):
            self._page.items.append(PrintedLine(self._line, self._line_bold, self.align))
        self._line, self._line_bold = "", False

    def _consume(self, lines: int) -> bool:
        if self.offline:
            return False
        if self.paper_lines < lines:
            self.paper_lines = 0
            self.offline = self.stopped_by_paper_end = True
            self.incomplete.append(self._page)
            self._page = PrintedReceipt()
            return False
        self.paper_lines -= lines
        return True

    def garble(self, data: bytes) -> bytes:
        return bytes(self.rng.randrange(256) | 0x80 for _ in data)

    def break_checksum(self, data: bytes) -> bytes:
        return bytes(b ^ 0x10 for b in data)

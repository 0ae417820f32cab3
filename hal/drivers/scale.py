"""Scale driver: A&D-style weight lines (see hal.protocols.scale), 9600 7E1.

A reading polls with ``Q`` every ``poll_interval`` seconds and accepts the first *stable*
line of at least ``min_load_kg`` (someone is standing on it). The line layout can be
changed with the options ``line_regex``, ``stable_headers``, ``unstable_headers`` and
``overload_headers``.
"""

from __future__ import annotations

from typing import Any

from hal.drivers import register_driver
from hal.drivers.base import Driver
from hal.errors import DeviceFault
from hal.model import UNIT_KG, Channel, DeviceKind, Reading
from hal.protocols.scale import REQUEST_DATA, TERMINATOR, LineLayout, WeightLine, parse_weight_line


@register_driver(DeviceKind.scale)
class ScaleDriver(Driver):
    channels = (Channel("weight", UNIT_KG),)
    default_capabilities = frozenset({"weight"})
    serial_settings = {"baudrate": 9600, "bytesize": 7, "parity": "E", "stopbits": 1}
    option_defaults = {"min_load_kg": 2.0, "poll_interval": 0.1, "measure_timeout": 15.0}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.layout = LineLayout.from_options(self.options)

    def _request(self, port: Any) -> WeightLine:
        self._discard_input()
        port.write(REQUEST_DATA)
        line = self._read_until(port, TERMINATOR, self._deadline(self.answer_timeout),
                                what="a weight line")
        return parse_weight_line(line, self.layout)

    def _probe(self, port: Any) -> str | None:
        return "overloaded" if self._request(port).overload else None

    def read(self, timeout: float | None = None) -> Reading:
        """The first stable weight of someone standing on the scale, in kg."""
        o = self.options
        with self._session() as port:
            deadline = self._deadline(o["measure_timeout"] if timeout is None else timeout)
            while True:
                weight = self._request(port)
                if weight.overload:
                    raise DeviceFault("overload", "The scale is overloaded: step off; the scale "
                                                  "cannot weigh this much")
                if weight.stable and weight.kg is not None and weight.kg >= o["min_load_kg"]:
                    return self._reading({"weight": round(weight.kg, 2)})
                if self._clock() >= deadline:
                    if weight.stable:
                        raise DeviceFault("no_load", "Nobody is standing on the scale")
                    raise DeviceFault("unstable", "The weight did not settle: stand still "
                                                  "in the middle of the scale")
                self._sleep(o["poll_interval"])

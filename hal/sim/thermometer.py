"""Simulated thermometer (our checked-line protocol, see hal.protocols.thermometer).

Options: ``temperature`` (36.8), ``unit`` (``C`` or ``F``: what the device reports in),
``measure_s`` (1.0). Profile ``out_of_range``: the device reports ``$ERR,RANGE_LOW``;
``unplug`` vanishes on ``$TEMP``.
"""

from __future__ import annotations

from hal.model import DeviceKind
from hal.protocols.thermometer import encode_error, encode_temperature
from hal.sim import register_simulator
from hal.sim.checked_line import CheckedLineSimulator


@register_simulator(DeviceKind.thermometer)
class ThermometerSimulator(CheckedLineSimulator):
    profiles = frozenset({"out_of_range"})
    option_defaults = {"temperature": 36.8, "unit": "C", "measure_s": 1.0}
    measure_command = "TEMP"

    def measurement(self) -> bytes:
        if self.profile == "out_of_range":
            return encode_error("RANGE_LOW")
        value = self.options["temperature"]
        if self.options["unit"].upper() == "F":
            return encode_temperature(value * 9.0 / 5.0 + 32.0, "F")
        return encode_temperature(value, "C")

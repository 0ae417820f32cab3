"""Simulated height rod (our checked-line protocol, see hal.protocols.height_rod).

Options: ``height`` (172.4 cm), ``measure_s`` (1.0). Profile ``no_target``: nobody
under the rod (``$ERR,NO_TARGET``); ``unplug`` vanishes on ``$MEAS``.
"""

from __future__ import annotations

from hal.model import DeviceKind
from hal.protocols.height_rod import encode_error, encode_height
from hal.sim import register_simulator
from hal.sim.checked_line import CheckedLineSimulator


@register_simulator(DeviceKind.height_rod)
class HeightRodSimulator(CheckedLineSimulator):
    profiles = frozenset({"no_target"})
    option_defaults = {"height": 172.4, "measure_s": 1.0}
    measure_command = "MEAS"

    def measurement(self) -> bytes:
        if self.profile == "no_target":
            return encode_error("NO_TARGET")
        return encode_height(self.options["height"])

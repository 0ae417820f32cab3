"""Plantower PMS5003 particle sensor driver (see hal.protocols.pms5003), 9600 8N1.

The sensor streams 32-byte frames in active mode (its power-on default); a reading takes the
next frame whose check code is right (damaged frames are skipped) and reports PM1.0, PM2.5
and PM10 in µg/m³ (atmospheric-environment values). Faults: an error byte set in the frame
→ ``sensor_error``; no particles at all (a stopped fan draws no air past the laser; real air
always has particles above 0.3 µm) → ``no_airflow``.
"""

from __future__ import annotations

from typing import Any

from hal.drivers import register_driver
from hal.drivers.base import Driver
from hal.errors import DeviceFault
from hal.model import UNIT_MICROGRAM_PER_M3, Channel, DeviceKind, Reading
from hal.protocols import pms5003


@register_driver(DeviceKind.air_quality)
class AirQualityDriver(Driver):
    channels = (Channel("pm1", UNIT_MICROGRAM_PER_M3), Channel("pm25", UNIT_MICROGRAM_PER_M3),
                Channel("pm10", UNIT_MICROGRAM_PER_M3))
    default_capabilities = frozenset({"pm1", "pm25", "pm10"})
    serial_settings = {"baudrate": 9600, "bytesize": 8, "parity": "N", "stopbits": 1}
    answer_timeout = 3.0  # frames come every 1–2.3 s
    option_defaults = {"measure_timeout": 5.0}

    def _next_sample(self, port: Any, timeout: float) -> pms5003.ParticleSample:
        return self._read_framed(port, self._deadline(timeout), pms5003.take_frame)

    def _probe(self, port: Any) -> str | None:
        sample = self._next_sample(port, self.answer_timeout)
        return "sensor_error" if sample.error else None

    def read(self, timeout: float | None = None) -> Reading:
        """PM1.0, PM2.5 and PM10 in µg/m³."""
        with self._session() as port:
            sample = self._next_sample(port, self.options["measure_timeout"] if timeout is None else timeout)
        if sample.error:
            raise DeviceFault("sensor_error", f"The air-quality sensor reports error {sample.error}")
        if sample.counts[0] == 0 and sample.pm25 == 0 and sample.pm10 == 0:
            raise DeviceFault("no_airflow", "The air-quality sensor draws no air: its fan may have stopped")
        return self._reading({"pm1": sample.pm1, "pm25": sample.pm25, "pm10": sample.pm10})

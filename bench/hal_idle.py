"""Idle cost of the HAL: every simulated device connected, heartbeats running, no reading.

    python bench/hal_idle.py [--seconds 10] [--period P]

Connects one driver per device kind that has both a driver and a simulator (HAL-B's kinds
included when present) over ``sim://``, runs the heartbeat monitor as an idle station
would, and measures this process's CPU time (time.process_time, all threads) over the
window. Simulators run in-process, so their cost is included. Target: < 5 % of one core.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hal.drivers import driver_for, driver_kinds
from hal.model import DeviceDescriptor, Status
from hal.monitor import HeartbeatMonitor
from hal.sim import simulator_kinds

TARGET_PERCENT = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--period", type=float, default=None,
                        help="heartbeat period (default: each driver's heartbeat_period, min)")
    args = parser.parse_args()

    kinds = sorted(set(driver_kinds()) & set(simulator_kinds()), key=lambda k: k.value)
    drivers = [driver_for(kind)(DeviceDescriptor(id=f"{kind.value}-1", kind=kind,
                                                 url=f"sim://{kind.value}"))
               for kind in kinds]
    for driver in drivers:
        driver.open()
    monitor = HeartbeatMonitor(drivers, period=args.period)

    cpu_start, wall_start = time.process_time(), time.monotonic()
    monitor.start()
    time.sleep(args.seconds)
    monitor.stop()
    cpu, wall = time.process_time() - cpu_start, time.monotonic() - wall_start

    for driver in drivers:
        print(f"  {driver.device_id:<22} {driver.status.value:<10} {driver.status_reason}")
    percent = 100.0 * cpu / wall
    print(f"devices: {len(drivers)}  heartbeat period: {monitor.period:.1f} s  "
          f"rounds: {monitor.rounds}")
    print(f"CPU {cpu:.3f} s over {wall:.1f} s = {percent:.2f} % of one core "
          f"(target < {TARGET_PERCENT:.0f} %)")
    ready = all(d.status == Status.READY for d in drivers)
    ok = percent < TARGET_PERCENT and ready
    print("PASS" if ok else "FAIL" + ("" if ready else " (not every device is READY)"))
    for driver in drivers:
        driver.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

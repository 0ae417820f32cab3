"""Live in-process simulators by URL, so tests can pull and re-insert a device.

Every ``sim://`` URL names one physical simulated device: opening the same URL twice (for
instance after a replug) reaches the same simulator, with its state (printed receipts,
plug state). Add ``&instance=<name>`` to a URL to get an independent device.

    from hal.sim import control
    control.unplug("sim://scale")     # open ports fail, opening fails
    control.replug("sim://scale")     # the driver's next heartbeat finds it again
"""

from __future__ import annotations

import threading
from urllib.parse import parse_qsl, urlsplit

from hal.sim import simulator_for
from hal.sim.base import Simulator

_LIVE: dict[str, Simulator] = {}
_LOCK = threading.Lock()


def parse_sim_url(url: str) -> tuple[str, str, dict[str, str]]:
    """Split ``sim://<kind>?profile=<p>&k=v`` into (kind, profile, options). ValueError if bad."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "sim":
        raise ValueError(f"not a sim:// URL: {url!r}")
    kind = (parts.netloc or parts.path.lstrip("/")).strip("/")
    if not kind:
        raise ValueError(f"sim:// URL without a device kind: {url!r}")
    query = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False))
    profile = query.pop("profile", "ok") or "ok"
    return kind, profile, query


def canonical_url(url: str) -> str:
    """The registry key of a URL: kind plus sorted query, so option order does not matter."""
    kind, profile, options = parse_sim_url(url)
    query = "&".join(f"{k}={v}" for k, v in sorted({**options, "profile": profile}.items()))
    return f"sim://{kind}?{query}"


def simulator(url: str) -> Simulator:
    """The live simulator behind ``url``, created on first use. ValueError if the URL is bad."""
    key = canonical_url(url)
    with _LOCK:
        sim = _LIVE.get(key)
        if sim is None:
            kind, profile, options = parse_sim_url(url)
            sim = simulator_for(kind)(profile, options)
            _LIVE[key] = sim
        return sim


def is_live(url: str) -> bool:
    """True when this process already serves the simulator of ``url`` (with its state)."""
    with _LOCK:
        return canonical_url(url) in _LIVE


def unplug(url: str) -> None:
    """Pull the device out."""
    simulator(url).unplug()


def replug(url: str) -> None:
    """Plug the device back in (it powers on afresh; an ``unplug`` profile becomes ``ok``)."""
    simulator(url).replug()


def set_profile(url: str, profile: str) -> None:
    """Change the fault profile of the live device behind ``url``."""
    simulator(url).set_profile(profile)


def forget(url: str) -> None:
    """Drop the live device behind ``url``; the next open creates a fresh one."""
    with _LOCK:
        _LIVE.pop(canonical_url(url), None)


def forget_all() -> None:
    """Drop every live simulated device (test isolation)."""
    with _LOCK:
        _LIVE.clear()

"""Alerts for the station's staff: something a manager must see and act on.

    from sdk.alerts import raise_alert

    raise_alert("radiation_high", object_ref="env:geiger_counter",
                message_vi="Suất liều phóng xạ vượt ngưỡng 0,5 µSv/h.",
                message_en="The dose rate is above 0.5 µSv/h.")

The alert appears in the console's alert list under the plugin serving the request. While an
alert of the same ``kind`` and ``object_ref`` is still open, raising it again does nothing,
so a condition that persists is one alert, not one per check. Never put personal data in an
alert (it is shown to every staff member). New in sdk 1.1.
"""

from __future__ import annotations

from flask import current_app

from sdk.accessors import current_plugin_id


def raise_alert(kind: str, message_vi: str, message_en: str, object_ref: str | None = None) -> None:
    """Raise an alert for the station's staff (once while the same kind and object are open)."""
    plugin = current_plugin_id()
    if plugin is None:
        raise RuntimeError("raise_alert is called while serving one of the plugin's pages")
    current_app.extensions["payments"].alert(plugin, kind[:32], object_ref, message_vi, message_en)


__all__ = ["raise_alert"]

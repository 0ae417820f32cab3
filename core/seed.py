"""Seeded demo data for ``station init --demo`` (clearly simulated)."""

from __future__ import annotations

from flask import Flask

from core.identity.models import StaffUser


def seed_demo(app: Flask) -> str:
    """Create the demo staff accounts once; returns a line saying what was done."""
    clock = app.config["STATION_CLOCK"]
    created = 0
    for username, name, roles in (("manager", "Quản lý trạm (demo)", "manager"),
                                  ("pharmacist", "Dược sĩ (demo)", "pharmacist"),
                                  ("auditor", "Kiểm toán viên (demo)", "auditor")):
        _, was_created = StaffUser.get_or_create(
            username=username, defaults={"display_name": name, "roles": roles, "created_at": clock()})
        created += was_created
    return f"demo data: {created} staff account(s) created"

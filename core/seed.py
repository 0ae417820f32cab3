"""Seeded demo data for ``station init --demo`` (clearly simulated)."""

from __future__ import annotations

from flask import Flask

from core.identity.models import StaffUser
from core.station import current_station

# Demo-only accounts; `station init --demo` prints them. Never use them on a real station.
DEMO_STAFF = (("manager", "Quản lý trạm (demo)", "manager", "demo-manager-pass"),
              ("pharmacist", "Dược sĩ (demo)", "pharmacist", "demo-pharmacist-pass"),
              ("auditor", "Kiểm toán viên (demo)", "auditor", "demo-auditor-pass"))


def seed_demo(app: Flask) -> str:
    """Create the demo staff accounts once; returns lines saying what was done."""
    station = current_station(app)
    lines = []
    for username, name, role, password in DEMO_STAFF:
        if StaffUser.select().where(StaffUser.username == username).exists():
            continue
        station.staff.add(username, password, [role], name)
        lines.append(f"demo staff account: {username} / {password} ({role}) — demo only")
    return "\n".join(lines) or "demo data already present"

"""The commented ``station.toml`` that ``station init`` writes for a real (non-demo) station."""

from __future__ import annotations

import json

DEFAULT_RETENTION_DAYS = {
    "personal": 1095,
    "health": 365,
    "biometric": 30,
    "financial": 1825,
    "location": 30,
    "access_log": 730,
}


def _toml_string(value: str) -> str:
    # A TOML basic string accepts JSON's escapes; non-ASCII text is written as itself.
    return json.dumps(value, ensure_ascii=False)


def station_toml(site_id: str, name_vi: str, name_en: str, address: str, timezone: str) -> str:
    """A complete, commented station.toml for a new site with no plugin enabled yet."""
    retention = ", ".join(f"{k} = {v}" for k, v in DEFAULT_RETENTION_DAYS.items())
    return f"""\
# Citizen Station — configuration of one site. docs/operations.md explains every key.
# Any key can be overridden by an environment variable STATION_<SECTION>__<KEY>,
# e.g. STATION_SERVER__PORT=8081; `station config show` prints the effective values and
# where each one comes from. A wrong key or value stops the station with exit code 2.

[site]
# The site's id (a-z, 0-9, '-'). It may change later: the change is recorded in the audit
# log, whose own identity (origin and key) was fixed when the log started.
id = {_toml_string(site_id)}
name_vi = {_toml_string(name_vi)}
name_en = {_toml_string(name_en)}
address = {_toml_string(address)}
# The station's time zone (IANA name): dates and times on screens, receipts, the audit view
# and exports are shown in it.
timezone = {_toml_string(timezone)}
ward_police_phone = "113"
# Where the station stands, for the fleet hub's list, filters and map (optional):
# province = "Hà Nội"
# ward = "Phường Hoàn Kiếm"
# latitude = 21.0285
# longitude = 105.8542

[database]
# SQLite in the site folder, or postgresql://user:password@host:5432/station
url = "sqlite:///station.db"

[server]
# Keep 127.0.0.1 behind a TLS reverse proxy on the same machine (docs/operations.md).
host = "127.0.0.1"
port = 8080
threads = 8
# Card payments waiting for the card terminal's background worker (the page polls; no
# request thread waits for the terminal). A full queue says "busy, nothing charged".
card_queue = 4

[plugins]
# Which plugins are enabled is kept in the database: `station plugins enable ID` or the
# console's Plugins page. This list only seeds a new database (a plugin listed here is
# enabled until a manager disables it).
enabled = []
safe_mode = false
# Partner plugins are installed signed, through the hub (docs/supply-chain.md):
# `station plugins install ID`. Only these publishers' plugins are accepted:
allowed_publishers = []
# A plugin without a valid signature (pip-installed by hand, a development folder) loads only
# when this is true; the change is audited and the console and the hub show a warning.
allow_unsigned = false

[sessions]
idle_seconds = 120          # a citizen's session ends after this much inactivity
absolute_seconds = 1800
step_up_seconds = 120
staff_idle_seconds = 900

[identity]
# CSCA certificates (PEM or DER) of the Ministry of Public Security that chip ID cards are
# checked against; with none, chip-card login is off.
trust_store = "trust/csca"

[audit]
checkpoint_every = 1000     # sign a checkpoint every N entries ...
checkpoint_seconds = 300    # ... or every N seconds

[privacy]
# Days personal data of each category is kept; `station privacy purge` (run daily by the
# citizen-station-purge.timer in deploy/) deletes what is older. Check these periods with
# your legal adviser; a category left out is kept for ever.
retention_days = {{ {retention} }}

# [alerts]
# Push manager alerts (printer out of paper, repeated failed staff logins, late transfers...)
# besides the console's list: a webhook gets an HTTP POST of JSON, e-mail goes through SMTP.
# Delivery runs in the background with retries; the console list is always complete.
# webhook_url = "https://chat.example.vn/hooks/tram-phuong"
# email_to = ["quanly@example.vn"]
# email_from = "tram-phuong@example.vn"
# smtp_host = "smtp.example.vn"
# smtp_port = 587
# smtp_starttls = true
# smtp_username = "tram-phuong"   # its password goes in secrets/smtp.password (mode 0600)

# [roles]
# Which permissions each staff role has, replacing the plugins' defaults per permission.
# `station roles` prints the effective table; an unknown permission id stops the station.
# manager = ["*"]
# pharmacist = ["healthcare.dispense"]

# ---- Devices: one [[devices]] block per device plugged into the kiosk ------------------
# `station devices list` opens and probes each one. Use the stable /dev/serial/by-id/ path.
#
# [[devices]]
# id = "printer-1"
# kind = "receipt_printer"      # pulse_oximeter, blood_pressure, thermometer, scale, height_rod,
#                               # card_reader, qr_scanner, receipt_printer, payment_terminal,
#                               # face_verifier, document_scanner, geiger_counter, air_quality,
#                               # camera
# url = "/dev/serial/by-id/usb-EPSON_TM-T82-if00"
# make = "Epson"
# model = "TM-T82"
#
# [[devices]]
# id = "card-1"
# kind = "card_reader"
# url = "/dev/serial/by-id/usb-ACS_ACR39U-if00"

# ---- Connectors: the national and partner systems the plugins talk to -------------------
# kind = "simulator" uses the built-in simulator (the kiosk then says it is simulated).
#
# [connectors.vneid]
# kind = "simulator"
#
# [connectors.bank]
# kind = "simulator"
# bin = "970436"
# account = "0011001234567"
# merchant_name = "TRAM CONG DAN SO"

# ---- Plugin settings: values for a plugin's declared settings ---------------------------
# [plugin_settings.healthcare]
# ...
"""

"""The demo site written by ``station init --demo``: every plugin, simulated devices and connectors."""

from __future__ import annotations

DEMO_STATION_TOML = """\
# Citizen Station — demo site. Every device and national/partner system here is a SIMULATOR.
# Edit freely; any key can be overridden by STATION_<SECTION>__<KEY> environment variables.

[site]
id = "demo-hoan-kiem-01"
name_vi = "Trạm Công dân số phường Hoàn Kiếm (mô phỏng)"
name_en = "Hoan Kiem Ward Digital Citizen Station (simulated)"
address = "Số 1 phố Mô Phỏng, phường Hoàn Kiếm, Hà Nội (địa chỉ mô phỏng)"
province = "Hà Nội"
ward = "Phường Hoàn Kiếm"
latitude = 21.0285
longitude = 105.8542
ward_police_phone = "113"

[database]
url = "sqlite:///station.db"

[server]
host = "127.0.0.1"
port = 8080
threads = 8

[plugins]
enabled = ["admin", "security", "healthcare", "traffic", "utilities", "banking"]
safe_mode = false

[sessions]
idle_seconds = 120
absolute_seconds = 1800
step_up_seconds = 120
staff_idle_seconds = 900

[roles]
manager = ["*"]

[[devices]]
id = "oximeter-1"
kind = "pulse_oximeter"
url = "sim://pulse_oximeter?profile=ok"
make = "Contec (simulated)"
model = "CMS50D+"

[[devices]]
id = "bp-1"
kind = "blood_pressure"
url = "sim://blood_pressure?profile=ok"
make = "Simulated"
model = "GATT 0x2A35 cuff"

[[devices]]
id = "thermometer-1"
kind = "thermometer"
url = "sim://thermometer?profile=ok"
make = "Simulated"

[[devices]]
id = "scale-1"
kind = "scale"
url = "sim://scale?profile=ok"
make = "A&D (simulated)"

[[devices]]
id = "height-1"
kind = "height_rod"
url = "sim://height_rod?profile=ok"
make = "Simulated"

[[devices]]
id = "geiger-1"
kind = "geiger_counter"
url = "sim://geiger_counter?profile=ok"
make = "GQ Electronics (simulated)"
model = "GMC-320"

[[devices]]
id = "air-1"
kind = "air_quality"
url = "sim://air_quality?profile=ok"
make = "Plantower (simulated)"
model = "PMS5003"

[[devices]]
id = "card-1"
kind = "card_reader"
url = "sim://card_reader?profile=ok"
make = "Simulated"

[[devices]]
id = "qr-1"
kind = "qr_scanner"
url = "sim://qr_scanner?profile=ok"
make = "Simulated"

[[devices]]
id = "printer-1"
kind = "receipt_printer"
url = "sim://receipt_printer?profile=ok"
make = "Simulated"

[[devices]]
id = "terminal-1"
kind = "payment_terminal"
url = "sim://payment_terminal?profile=ok"
make = "Simulated"
model = "ZVT ECR"

[[devices]]
id = "scanner-1"
kind = "document_scanner"
url = "sim://document_scanner?profile=ok&scan_s=1.0&qr=01013AB12CD3-c"  # test card 0's e-prescription on the glass
make = "Simulated"
model = "Flatbed A4"

[[devices]]
id = "camera-1"
kind = "camera"
url = "sim://camera?profile=ok"  # the kiosk camera for report photos: a test card saying "ẢNH MÔ PHỎNG"
make = "Simulated"
model = "VC0706 serial JPEG camera"

[[devices]]
id = "face-1"
kind = "face_verifier"
url = "sim://face_verifier?profile=match"
make = "Simulated"

[connectors.vneid]
kind = "simulator"

[connectors.prescriptions]
kind = "simulator"

[connectors.traffic_police]
kind = "simulator"

[connectors.evn]
kind = "simulator"

[connectors.bank]
kind = "simulator"

[connectors.water]
kind = "simulator"

[connectors.pharmacy_inventory]
kind = "simulator"

[connectors.teleconsult]
kind = "simulator"

# dossier and report statuses move every two minutes in the demo (default: hourly)
[connectors.public_service_portal]
kind = "simulator"
step_seconds = 120

[connectors.ward_police]
kind = "simulator"
step_seconds = 120

# the emergency calls go over the station intercom (simulated: answers after 3 s)
[connectors.intercom]
kind = "simulator"
"""

"""Chip ID card reader driver against the simulated reader and chip: sim:// and a pty."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

import hal  # noqa: F401  (registers the sim:// URL handler)
from hal.drivers import driver_for
from hal.drivers.card_reader import AccessDenied, CardReaderDriver
from hal.errors import DeviceFault, DeviceNotReady, DeviceTimeout, ProtocolError
from hal.model import DeviceDescriptor, DeviceKind, Status
from hal.protocols.icao import apdu as iso
from hal.protocols.icao import sod
from hal.sim import control
from hal.sim.card_reader import EmrtdChip
from hal.sim.citizens import EXPIRED_CITIZEN_INDEX, TEST_CITIZENS, chip_files
from hal.testpki import load_or_create_test_pki

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("card-pki")
    load_or_create_test_pki(folder)
    return folder


@pytest.fixture
def reader(request, pki_dir):
    """Factory: (driver, simulator) for a fresh sim:// reader with a card on it."""
    urls: list[str] = []
    drivers: list[CardReaderDriver] = []

    def make(profile: str = "ok", citizen: int = 0, **options):
        query = "&".join(f"{k}={v}" for k, v in options.items())
        url = (f"sim://card_reader?profile={profile}&citizen={citizen}&pki_dir={pki_dir}"
               f"&instance={request.node.name}-{len(urls)}" + (f"&{query}" if query else ""))
        urls.append(url)
        driver = CardReaderDriver(
            DeviceDescriptor("card-1", DeviceKind.card_reader, url, options={"answer_timeout": 0.4})
        )
        drivers.append(driver)
        return driver, control.simulator(url)

    yield make
    for driver in drivers:
        driver.close()
    for url in urls:
        control.forget(url)


def test_card_reader_driver_is_registered_for_its_kind():
    assert driver_for("card_reader") is CardReaderDriver


def test_reading_a_card_returns_every_file_with_parsed_mrz_and_dg13(reader, pki_dir):
    driver, _ = reader(citizen=1)
    assert driver.open() == Status.READY
    citizen = TEST_CITIZENS[1]
    data = driver.read_card(citizen.mrz_information)
    assert set(data.files) == {"COM", "DG1", "DG2", "DG13", "SOD"}
    assert data.mrz.personal_id == citizen.personal_id
    assert data.mrz.birth_date == "921102" and data.mrz.sex == "F"
    assert data.dg13["full_name"] == "Trần Thị Bích Ngọc"
    assert data.dg13["sex"] == "Nữ" and data.dg13["mother_name"] == "Phạm Thị Hoa"
    assert "spouse_name" not in data.dg13  # absent on this card
    portrait = data.portrait()
    assert portrait.mime_type == "image/jpeg" and portrait.data.startswith(b"\xff\xd8")
    # The SOD vouches for exactly the bytes read, signed under the test CSCA.
    security = sod.parse_sod(data.files["SOD"])
    for number in (1, 2, 13):
        assert security.hash_of(data.files[f"DG{number}"]) == security.dg_hashes[number]
    pki = load_or_create_test_pki(pki_dir)
    signer = x509.load_der_x509_certificate(security.signer_certificate)
    signer.verify_directly_issued_by(pki.csca_certificate)
    signer.public_key().verify(security.signature, security.signed_attributes,
                               ec.ECDSA(hashes.SHA256()))
    assert driver.status == Status.READY


def test_kiosk_flow_scans_the_mrz_then_opens_the_chip_with_it(reader):
    driver, _ = reader(citizen=2)
    scan = driver.scan_mrz()
    assert scan.lines == TEST_CITIZENS[2].mrz_lines
    data = driver.read_card(scan.mrz_information, files=("DG1", "DG13"))
    assert set(data.files) == {"DG1", "DG13"}
    assert data.dg13["personal_id"] == "048203999003"


def test_expired_card_is_still_read_and_reports_its_expiry(reader):
    driver, _ = reader(citizen=EXPIRED_CITIZEN_INDEX)
    data = driver.read_card(TEST_CITIZENS[EXPIRED_CITIZEN_INDEX].mrz_information, files=("DG1",))
    assert data.mrz.expiry_date == "230815"
    assert data.dg13 is None


def test_minimal_dg13_has_absent_fields_left_out(reader):
    driver, _ = reader(citizen=5)
    data = driver.read_card(TEST_CITIZENS[5].mrz_information, files=("DG13",))
    assert "religion" not in data.dg13 and "father_name" not in data.dg13
    assert data.dg13["full_name"] == "Hoàng Văn Dũng"


def test_numbers_of_another_card_are_refused_with_an_actionable_message(reader):
    driver, _ = reader(citizen=0)
    with pytest.raises(AccessDenied) as caught:
        driver.read_card(TEST_CITIZENS[3].mrz_information)
    assert caught.value.code == "access_denied"
    assert "Check the document number, date of birth and expiry date" in caught.value.reason
    assert TEST_CITIZENS[0].personal_id not in str(caught.value)
    assert driver.status == Status.READY


def test_wrong_mrz_profile_denies_access(reader):
    driver, _ = reader("wrong_mrz")
    with pytest.raises(AccessDenied):
        driver.read_card(TEST_CITIZENS[0].mrz_information)


def test_mistyped_mrz_is_refused_before_touching_the_card(reader):
    driver, _ = reader()
    typed = TEST_CITIZENS[0].mrz_information
    with pytest.raises(DeviceFault) as caught:
        driver.read_card(typed[:9] + "0" + typed[10:])
    assert caught.value.code == "bad_mrz_input"
    assert "document number" in caught.value.reason


def test_no_card_on_the_reader(reader):
    driver, _ = reader("no_card")
    assert driver.open() == Status.READY and driver.status_reason == "no card"
    with pytest.raises(DeviceFault) as caught:
        driver.read_card(TEST_CITIZENS[0].mrz_information)
    assert caught.value.code == "no_card"
    with pytest.raises(DeviceFault) as scanned:
        driver.scan_mrz()
    assert scanned.value.code == "no_document"


def test_card_pulled_mid_read_is_a_clear_fault_with_no_partial_data(reader):
    driver, sim = reader("card_removed", removal_after=4)
    with pytest.raises(DeviceFault) as caught:
        driver.read_card(TEST_CITIZENS[0].mrz_information)
    assert caught.value.code == "card_removed"
    assert "Leave the card on the reader" in caught.value.reason
    assert driver.status == Status.READY
    with pytest.raises(DeviceFault, match="no_card"):
        driver.read_card(TEST_CITIZENS[0].mrz_information)
    sim.set_profile("ok")
    sim.insert_card()
    assert driver.read_card(TEST_CITIZENS[0].mrz_information).mrz is not None


def test_unplugged_reader_goes_not_ready_and_recovers_on_replug(reader):
    driver, sim = reader("unplug")
    assert driver.open() == Status.READY
    with pytest.raises(DeviceNotReady):
        driver.read_card(TEST_CITIZENS[0].mrz_information)
    assert driver.status == Status.NOT_READY
    sim.replug()
    assert driver.heartbeat() == Status.READY
    assert driver.read_card(TEST_CITIZENS[0].mrz_information, files=("DG1",)).mrz is not None


@pytest.mark.parametrize("profile", ["garbage", "bad_checksum"])
def test_corrupt_reader_answers_are_protocol_errors(reader, profile):
    driver, _ = reader(profile)
    with pytest.raises(ProtocolError):
        driver.read_card(TEST_CITIZENS[0].mrz_information)
    assert driver.status == Status.ERROR


def test_silent_reader_times_out(reader):
    driver, _ = reader("timeout")
    assert driver.open() == Status.NOT_READY
    with pytest.raises(DeviceTimeout):
        driver.read_card(TEST_CITIZENS[0].mrz_information)


def test_chip_refuses_file_access_without_basic_access_control(pki_dir):
    citizen = TEST_CITIZENS[0]
    chip = EmrtdChip(chip_files(citizen, load_or_create_test_pki(pki_dir)),
                     citizen.mrz_information, os.urandom)
    assert chip.process(bytes(iso.select_application()))[-2:] == b"\x90\x00"
    assert chip.process(bytes(iso.select_file(0x0101)))[-2:] == bytes.fromhex("6982")
    assert chip.process(bytes(iso.read_binary(0, 4)))[-2:] == bytes.fromhex("6982")


# --------------------------------------------------------------------------- pseudo-terminal


@pytest.fixture
def pty_reader(pty_sim):
    """The card reader simulator on a pseudo-terminal (``python -m hal.sim``); its tty path."""
    return pty_sim("card_reader", options=["citizen=3"]).path


def test_reading_a_card_over_a_pseudo_terminal_as_on_hardware(pty_reader):
    driver = CardReaderDriver(
        DeviceDescriptor("card-pty", DeviceKind.card_reader, pty_reader,
                         options={"answer_timeout": 2.0})
    )
    try:
        assert driver.open() == Status.READY
        scan = driver.scan_mrz()
        data = driver.read_card(scan.mrz_information)
        assert data.dg13["ethnicity"] == "Tày"
        assert data.mrz.personal_id == TEST_CITIZENS[3].personal_id
    finally:
        driver.close()

"""Passive authentication: every rejection path, with SODs built from the test PKI and citizens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import StationError
from core.identity.passive_auth import (
    CertificateExpired,
    CertificateNotYetValid,
    CertificateUnsuitable,
    DataGroupHashMismatch,
    MalformedSOD,
    PassiveAuthError,
    SignatureInvalid,
    TrustStore,
    TrustStoreError,
    UnknownCSCA,
    load_trust_store,
    passive_authenticate,
)
from hal.protocols.icao import sod, tlv
from hal.sim.citizens import TEST_CITIZENS, chip_files
from hal.testpki import generate_test_pki

NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
CITIZEN = TEST_CITIZENS[0]


@pytest.fixture(scope="module")
def pki():
    return generate_test_pki()


@pytest.fixture(scope="module")
def other_pki():
    """A CSCA and DS with the same names as the test PKI but other keys: not trusted."""
    return generate_test_pki(seed=b"someone else's CSCA")


@pytest.fixture(scope="module")
def files(pki):
    return chip_files(CITIZEN, pki)


@pytest.fixture(scope="module")
def store(pki):
    return TrustStore((pki.csca_certificate,))


def data_groups(files):
    return {1: files["DG1"], 2: files["DG2"], 13: files["DG13"]}


# ----------------------------------------------------------------- custom PKIs for the tests


@dataclass
class CustomPki:
    csca_certificate: x509.Certificate
    signer_certificate: x509.Certificate
    signer_key: object

    @property
    def signer_certificate_der(self) -> bytes:
        return self.signer_certificate.public_bytes(serialization.Encoding.DER)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_pki(
    *,
    key_factory=lambda: ec.generate_private_key(ec.SECP256R1()),
    csca_validity=(datetime(2020, 1, 1, tzinfo=UTC), datetime(2050, 1, 1, tzinfo=UTC)),
    ds_validity=(datetime(2020, 1, 1, tzinfo=UTC), datetime(2045, 1, 1, tzinfo=UTC)),
    ds_digital_signature=True,
) -> CustomPki:
    csca_key, ds_key = key_factory(), key_factory()
    csca_name = _name("Custom TEST CSCA")

    def builder(subject, key, validity):
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(csca_name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(validity[0]).not_valid_after(validity[1]))

    csca = (builder(csca_name, csca_key, csca_validity)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                           critical=True)
            .sign(csca_key, hashes.SHA256()))
    ds = (builder(_name("Custom TEST DS"), ds_key, ds_validity)
          .add_extension(x509.KeyUsage(ds_digital_signature, not ds_digital_signature, False, False,
                                       False, False, False, False, False), critical=True)
          .sign(csca_key, hashes.SHA256()))
    return CustomPki(csca, ds, ds_key)


def ecdsa_signer(pki):
    return lambda data: pki.signer_key.sign(data, ec.ECDSA(hashes.SHA256()))


def sod_for(files, pki, sign=None, **options) -> bytes:
    return sod.build_sod(data_groups(files), pki.signer_certificate_der,
                         sign or ecdsa_signer(pki), **options)


# ----------------------------------------------------------------- the good path


def test_a_genuine_card_passes_and_every_presented_data_group_is_listed(files, store):
    result = passive_authenticate(files["SOD"], data_groups(files), store, NOW)
    assert result.verified_data_groups == (1, 2, 13)
    assert result.signed_data_groups == (1, 2, 13)
    assert result.covers(1, 13) and not result.covers(14)
    assert result.hash_algorithm == "sha256"
    assert result.signature_algorithm == "ecdsa-sha256"
    assert "TEST Document Signer" in result.document_signer
    assert "TEST CSCA" in result.csca
    assert result.signing_time == datetime(2025, 4, 2, 9, 0, tzinfo=UTC)


def test_the_reader_file_dict_with_names_can_be_passed_as_is(files, store):
    result = passive_authenticate(files["SOD"], files, store, NOW)
    assert result.verified_data_groups == (1, 2, 13)


def test_only_the_data_groups_read_are_verified(files, store):
    result = passive_authenticate(files["SOD"], {"DG1": files["DG1"]}, store, NOW)
    assert result.verified_data_groups == (1,)
    assert result.signed_data_groups == (1, 2, 13)


def test_every_seeded_citizen_card_passes(pki, store):
    for citizen in TEST_CITIZENS:
        card = chip_files(citizen, pki)
        assert passive_authenticate(card["SOD"], card, store, NOW).covers(1, 2, 13)


def test_rsa_pkcs1_document_signers_are_supported(files):
    custom = make_pki(key_factory=lambda: rsa.generate_private_key(65537, 2048))
    signed = sod_for(files, custom,
                     sign=lambda d: custom.signer_key.sign(d, padding.PKCS1v15(), hashes.SHA256()),
                     signature_algorithm="sha256_rsa")
    result = passive_authenticate(signed, data_groups(files), TrustStore((custom.csca_certificate,)), NOW)
    assert result.signature_algorithm == "rsassa_pkcs1v15-sha256"


def test_brainpool_csca_and_document_signer_are_supported(files):
    custom = make_pki(key_factory=lambda: ec.generate_private_key(ec.BrainpoolP256R1()))
    signed = sod_for(files, custom)
    result = passive_authenticate(signed, data_groups(files), TrustStore((custom.csca_certificate,)), NOW)
    assert result.verified_data_groups == (1, 2, 13)


def test_sha384_data_group_hashes_are_supported(files, pki, store):
    signed = sod_for(files, pki, hash_algorithm="sha384")
    assert passive_authenticate(signed, data_groups(files), store, NOW).hash_algorithm == "sha384"


def test_a_second_csca_in_the_store_does_not_disturb_the_right_one(files, store, other_pki, pki):
    both = TrustStore((other_pki.csca_certificate, pki.csca_certificate))
    assert passive_authenticate(files["SOD"], files, both, NOW).verified_data_groups == (1, 2, 13)


def resign(sod_file: bytes, algorithm: dict, sign) -> bytes:
    """The same SOD with its signature algorithm replaced and the attributes signed again."""
    info = cms.ContentInfo.load(tlv.decode_single(sod_file, 0x77).value)
    signed = info["content"]
    old = signed["signer_infos"][0]
    attrs_der = tlv.encode(0x31, old["signed_attrs"].contents)
    signer = cms.SignerInfo({
        "version": old["version"], "sid": old["sid"], "digest_algorithm": old["digest_algorithm"],
        "signed_attrs": old["signed_attrs"], "signature_algorithm": algorithm,
        "signature": sign(attrs_der),
    })
    new = cms.SignedData({
        "version": signed["version"], "digest_algorithms": signed["digest_algorithms"],
        "encap_content_info": signed["encap_content_info"], "certificates": signed["certificates"],
        "signer_infos": [signer],
    })
    return tlv.encode(0x77, cms.ContentInfo({"content_type": "signed_data", "content": new}).dump())


def test_rsassa_pss_document_signers_are_supported(files):
    custom = make_pki(key_factory=lambda: rsa.generate_private_key(65537, 2048))
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    algorithm = {"algorithm": "rsassa_pss", "parameters": {
        "hash_algorithm": {"algorithm": "sha256"},
        "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": "sha256"}},
        "salt_length": 32, "trailer_field": "trailer_field_bc"}}
    signed = resign(sod_for(files, custom, sign=lambda d: b"x", signature_algorithm="sha256_rsa"),
                    algorithm, lambda d: custom.signer_key.sign(d, pss, hashes.SHA256()))
    result = passive_authenticate(signed, data_groups(files), TrustStore((custom.csca_certificate,)), NOW)
    assert result.signature_algorithm == "rsassa_pss-sha256"


def test_bsi_plain_ecdsa_signatures_are_supported(files, pki, store):
    def plain(data):
        r, s = decode_dss_signature(pki.sign(data))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    signed = resign(files["SOD"], {"algorithm": "0.4.0.127.0.7.1.1.4.1.3"}, plain)
    result = passive_authenticate(signed, files, store, NOW)
    assert result.signature_algorithm == "ecdsa_plain-sha256"


def test_an_unsupported_signature_algorithm_is_malformed_sod(files, pki, store):
    signed = resign(files["SOD"], {"algorithm": "sha256_dsa"}, pki.sign)
    with pytest.raises(MalformedSOD, match="signature algorithm"):
        passive_authenticate(signed, files, store, NOW)


# ----------------------------------------------------------------- tampered data groups


@pytest.mark.parametrize("number", [1, 13, 2])
def test_a_flipped_byte_in_a_data_group_is_a_hash_mismatch_naming_it(files, store, number):
    groups = data_groups(files)
    tampered = bytearray(groups[number])
    tampered[len(tampered) // 2] ^= 0x01
    groups[number] = bytes(tampered)
    with pytest.raises(DataGroupHashMismatch) as caught:
        passive_authenticate(files["SOD"], groups, store, NOW)
    assert caught.value.data_group == number
    assert f"DG{number}" in str(caught.value) and f"DG{number}" in caught.value.vi
    assert caught.value.code == "data_group_hash_mismatch"


def test_a_truncated_data_group_as_from_a_card_pulled_mid_read_is_a_mismatch(files, store):
    groups = data_groups(files)
    groups[13] = groups[13][:40]
    with pytest.raises(DataGroupHashMismatch, match="DG13"):
        passive_authenticate(files["SOD"], groups, store, NOW)


def test_a_data_group_the_sod_does_not_list_cannot_be_trusted(files, store):
    groups = {**data_groups(files), 14: b"\x6e\x00"}
    with pytest.raises(DataGroupHashMismatch, match="DG14 is not covered") as caught:
        passive_authenticate(files["SOD"], groups, store, NOW)
    assert caught.value.data_group == 14


def test_the_hash_message_names_no_personal_data(files, store):
    groups = data_groups(files)
    groups[13] = groups[13] + b"\x00"
    with pytest.raises(DataGroupHashMismatch) as caught:
        passive_authenticate(files["SOD"], groups, store, NOW)
    text = str(caught.value) + caught.value.vi
    assert CITIZEN.personal_id not in text and CITIZEN.given_names not in text


# ----------------------------------------------------------------- trust


def test_a_document_signer_from_an_untrusted_csca_of_the_same_name_is_unknown_csca(files, store, other_pki):
    forged = chip_files(CITIZEN, other_pki)
    with pytest.raises(UnknownCSCA, match="authority this station does not trust"):
        passive_authenticate(forged["SOD"], forged, store, NOW)


def test_an_empty_trust_store_refuses_every_card_as_unknown_csca(files):
    with pytest.raises(UnknownCSCA) as caught:
        passive_authenticate(files["SOD"], files, TrustStore(), NOW)
    assert caught.value.code == "csca_unknown" and caught.value.vi


def test_trusting_the_document_signer_certificate_alone_does_not_make_a_card_trusted(files, pki):
    with pytest.raises(UnknownCSCA):
        passive_authenticate(files["SOD"], files, TrustStore((pki.signer_certificate,)), NOW)


def test_an_expired_document_signer_at_the_injected_time_is_refused(files, store):
    with pytest.raises(CertificateExpired) as caught:
        passive_authenticate(files["SOD"], files, store, datetime(2046, 1, 1, tzinfo=UTC))
    assert caught.value.which == "document signer"
    assert "expired" in str(caught.value) and caught.value.code == "certificate_expired"


def test_an_expired_csca_is_refused_even_when_the_document_signer_is_valid(files):
    custom = make_pki(csca_validity=(datetime(2020, 1, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC)))
    with pytest.raises(CertificateExpired) as caught:
        passive_authenticate(sod_for(files, custom), data_groups(files),
                             TrustStore((custom.csca_certificate,)), NOW)
    assert caught.value.which == "CSCA"


def test_a_document_signer_not_yet_valid_points_at_the_station_clock(files, store):
    with pytest.raises(CertificateNotYetValid, match="clock") as caught:
        passive_authenticate(files["SOD"], files, store, datetime(2019, 6, 1, tzinfo=UTC))
    assert caught.value.which == "document signer"


def test_a_document_signer_without_the_digital_signature_key_usage_is_refused(files):
    custom = make_pki(ds_digital_signature=False)
    with pytest.raises(CertificateUnsuitable):
        passive_authenticate(sod_for(files, custom), data_groups(files),
                             TrustStore((custom.csca_certificate,)), NOW)


# ----------------------------------------------------------------- signature


def test_a_signature_over_other_data_is_signature_invalid(files, pki, store):
    signed = sod_for(files, pki, sign=lambda data: pki.sign(data + b"!"))
    with pytest.raises(SignatureInvalid) as caught:
        passive_authenticate(signed, data_groups(files), store, NOW)
    assert caught.value.code == "signature_invalid"


def test_a_corrupted_signature_byte_is_signature_invalid(files, store):
    raw = bytearray(files["SOD"])
    parsed = sod.parse_sod(files["SOD"])
    at = bytes(raw).rindex(parsed.signature)
    raw[at + len(parsed.signature) - 1] ^= 0x55  # last byte of s
    with pytest.raises(SignatureInvalid):
        passive_authenticate(bytes(raw), files, store, NOW)


def test_changed_hashes_in_the_security_object_break_the_signed_message_digest(files, store):
    raw = bytearray(files["SOD"])
    digest = sod.parse_sod(files["SOD"]).dg_hashes[13]
    at = bytes(raw).index(digest)
    raw[at] ^= 0xFF
    with pytest.raises(SignatureInvalid):
        passive_authenticate(bytes(raw), files, store, NOW)


def test_a_rsa_signature_under_an_ec_document_signer_is_signature_invalid(files, pki, store):
    signed = sod_for(files, pki, signature_algorithm="sha256_rsa")
    with pytest.raises(SignatureInvalid):
        passive_authenticate(signed, data_groups(files), store, NOW)


# ----------------------------------------------------------------- malformed SOD


@pytest.mark.parametrize(
    "data",
    [b"", b"\x77\x00", b"\x30\x03\x02\x01\x00", b"\x77\x05garbage", b"\x77\x82\xff\xff\x30"],
    ids=["empty", "empty-77", "wrong-tag", "not-der", "truncated"],
)
def test_garbage_instead_of_a_security_object_is_malformed_sod(files, store, data):
    with pytest.raises(MalformedSOD) as caught:
        passive_authenticate(data, files, store, NOW)
    assert caught.value.code == "sod_malformed" and caught.value.vi


def test_a_truncated_security_object_is_malformed_sod(files, store):
    with pytest.raises(MalformedSOD):
        passive_authenticate(files["SOD"][: len(files["SOD"]) // 2], files, store, NOW)


def test_a_security_object_without_its_signer_certificate_is_malformed_sod(files, store):
    info = cms.ContentInfo.load(tlv.decode_single(files["SOD"], 0x77).value)
    signed = info["content"]
    stripped = cms.SignedData({
        "version": signed["version"],
        "digest_algorithms": signed["digest_algorithms"],
        "encap_content_info": signed["encap_content_info"],
        "signer_infos": signed["signer_infos"],
    })
    data = tlv.encode(0x77, cms.ContentInfo({"content_type": "signed_data", "content": stripped}).dump())
    with pytest.raises(MalformedSOD, match="document signer certificate"):
        passive_authenticate(data, files, store, NOW)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_random_damage_to_the_security_object_raises_only_passive_auth_errors(files, store, data):
    raw = bytearray(files["SOD"])
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position] = data.draw(st.integers(0, 255))
    try:
        passive_authenticate(bytes(raw), files, store, NOW)
    except PassiveAuthError:
        pass


def test_passive_auth_errors_are_station_errors_refused_with_403():
    assert issubclass(PassiveAuthError, StationError)
    assert PassiveAuthError.http_status == 403


def test_the_time_must_be_timezone_aware(files, store):
    with pytest.raises(ValueError):
        passive_authenticate(files["SOD"], files, store, datetime(2026, 1, 1))


def test_at_least_one_data_group_must_be_presented(files, store):
    with pytest.raises(ValueError):
        passive_authenticate(files["SOD"], {"SOD": files["SOD"]}, store, NOW)


# ----------------------------------------------------------------- trust store folder


def test_a_trust_store_folder_loads_pem_der_and_bundles_and_ignores_other_files(tmp_path, pki, other_pki):
    pem = serialization.Encoding.PEM
    (tmp_path / "vn-csca.pem").write_bytes(pki.csca_certificate.public_bytes(pem))
    (tmp_path / "other.der").write_bytes(other_pki.csca_certificate.public_bytes(serialization.Encoding.DER))
    custom = make_pki()
    (tmp_path / "bundle.crt").write_bytes(custom.csca_certificate.public_bytes(pem) * 2)
    (tmp_path / "README.txt").write_text("not a certificate")
    store = load_trust_store(tmp_path)
    assert len(store.certificates) == 4
    assert sum("TEST CSCA Viet Nam" in subject for subject in store.subjects) == 2
    files = chip_files(CITIZEN, pki)
    assert passive_authenticate(files["SOD"], files, store, NOW).covers(1, 13)


def test_an_unreadable_certificate_file_names_the_file(tmp_path):
    (tmp_path / "broken.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(TrustStoreError, match="broken.pem"):
        load_trust_store(tmp_path)


def test_a_missing_trust_store_folder_is_a_clear_error(tmp_path):
    with pytest.raises(TrustStoreError, match="does not exist"):
        load_trust_store(tmp_path / "nope")


def test_an_empty_trust_store_folder_gives_an_empty_store(tmp_path):
    assert load_trust_store(tmp_path).certificates == ()

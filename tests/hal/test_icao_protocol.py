"""ICAO 9303 pieces: MRZ, the appendix D worked example (BAC + secure messaging), TLV,
data groups, EF.SOD, the reader link framing — and fuzzing of every parser."""

from __future__ import annotations

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.errors import ProtocolError
from hal.protocols.icao import apdu, bac, datagroups, mrz, sod, tlv
from hal.protocols.icao import reader_frame as rf
from hal.protocols.icao.secure_messaging import SecureChannel, SecureMessagingError
from hal.sim.citizens import EXPIRED_CITIZEN_INDEX, TEST_CITIZENS, chip_files, personal_id_matches
from hal.testpki import generate_test_pki, load_or_create_test_pki

H = bytes.fromhex

# ICAO Doc 9303-11, appendix D (worked example: BAC and secure messaging).
EXAMPLE_MRZ_INFO = "L898902C<369080619406236"
RND_IC = H("4608F91988702212")
RND_IFD = H("781723860C06C226")
K_IFD = H("0B795240CB7049B01C19B33E32804F0B")
K_IC = H("0B4F80323EB3191CB04970CB4052790B")
KS_ENC = H("979EC13B1CBFE9DCD01AB0FED307EAE5")
KS_MAC = H("F1CB1F1FB5ADF208806B89DC579DC1F8")
SSC = 0x887022120C06C226


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory):
    return load_or_create_test_pki(tmp_path_factory.mktemp("icao-pki"))


# --------------------------------------------------------------------------- MRZ


def test_check_digits_follow_the_7_3_1_rule():
    assert mrz.check_digit("L898902C<") == "3"
    assert mrz.check_digit("690806") == "1"
    assert mrz.check_digit("940623") == "6"
    assert mrz.check_digit("<<<") == "0"


def test_mrz_information_of_the_icao_example():
    assert mrz.mrz_information("L898902C", "690806", "940623") == EXAMPLE_MRZ_INFO


def test_validate_mrz_information_names_the_wrong_field():
    assert mrz.validate_mrz_information(EXAMPLE_MRZ_INFO.lower()) == EXAMPLE_MRZ_INFO
    with pytest.raises(ValueError, match="date of birth"):
        mrz.validate_mrz_information("L898902C<369080719406236")
    with pytest.raises(ValueError, match="24 characters"):
        mrz.validate_mrz_information("L898902C<3")
    assert mrz.validate_mrz_information("D23145890734934071279507122") == "D23145890734934071279507122"


def test_vietnamese_td1_layout_carries_the_full_id_in_the_optional_data():
    lines = mrz.vn_td1(personal_id="001085999001", birth_date="850314", sex="M",
                       expiry_date="450314", surname="Nguyễn", given_names="Văn An")
    assert lines == (
        "IDVNM0859990019001085999001<<0",  # position 30: the check digit of the 12-digit ID
        "8503149M4503141VNM<<<<<<<<<<<4",
        "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<",
    )
    td1 = mrz.parse_td1(lines)
    assert td1.document_number == "085999001"
    assert td1.personal_id == "001085999001"
    assert td1.surname == "NGUYEN" and td1.given_names == "VAN AN"
    assert td1.mrz_information == "085999001985031494503141"


def test_name_transliteration_strips_vietnamese_diacritics():
    assert mrz.transliterate_name("Đặng Thị Ngọc Ánh") == "DANG<THI<NGOC<ANH"


def test_td1_with_a_bad_check_digit_is_a_protocol_error():
    line1, line2, line3 = TEST_CITIZENS[0].mrz_lines
    broken = line2[:6] + "0" + line2[7:]
    with pytest.raises(ProtocolError, match="date of birth"):
        mrz.parse_td1((line1, broken, line3))


# --------------------------------------------------------------------------- BAC (appendix D)


def test_bac_document_keys_of_the_worked_example():
    assert bac.key_seed(EXAMPLE_MRZ_INFO) == H("239AB9CB282DAF66231DC5A4DF6BFBAE")
    k_enc, k_mac = bac.document_basic_access_keys(EXAMPLE_MRZ_INFO)
    assert k_enc == H("AB94FDECF2674FDFB9B391F85D7F76F2")
    assert k_mac == H("7962D9ECE03D1ACD4C76089DCE131543")


def test_mutual_authenticate_command_of_the_worked_example():
    k_enc, k_mac = bac.document_basic_access_keys(EXAMPLE_MRZ_INFO)
    data = bac.mutual_authenticate_data(k_enc, k_mac, RND_IC, RND_IFD, K_IFD)
    assert data == H(
        "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2"  # E_IFD
        "5F1448EEA8AD90A7"  # M_IFD
    )
    assert bytes(apdu.mutual_authenticate(data)) == H("0082000028") + data + H("28")


def test_chip_answer_and_session_keys_of_the_worked_example():
    k_enc, k_mac = bac.document_basic_access_keys(EXAMPLE_MRZ_INFO)
    command = bac.mutual_authenticate_data(k_enc, k_mac, RND_IC, RND_IFD, K_IFD)
    answer, chip_keys = bac.chip_answer_mutual_authenticate(command, k_enc, k_mac, RND_IC, K_IC)
    assert answer == H(
        "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F"  # E_IC
        "2F2D235D074D7449"  # M_IC
    )
    keys = bac.finish_mutual_authentication(answer, k_enc, k_mac, RND_IC, RND_IFD, K_IFD)
    assert keys == chip_keys
    assert keys.enc == KS_ENC and keys.mac == KS_MAC and keys.ssc == SSC


def test_retail_mac_and_parity_primitives():
    assert bac.adjust_parity(H("FEFF")) == H("FEFE")
    assert bac.pad_iso9797_m2(b"") == H("8000000000000000")
    assert bac.unpad_iso9797_m2(H("0102800000000000")) == H("0102")


def test_wrong_mrz_keys_fail_mutual_authentication_on_the_chip():
    k_enc, k_mac = bac.document_basic_access_keys(EXAMPLE_MRZ_INFO)
    wrong_enc, wrong_mac = bac.document_basic_access_keys("L898902C<369080619406244")
    command = bac.mutual_authenticate_data(wrong_enc, wrong_mac, RND_IC, RND_IFD, K_IFD)
    with pytest.raises(bac.AuthenticationFailed):
        bac.chip_answer_mutual_authenticate(command, k_enc, k_mac, RND_IC, K_IC)


# --------------------------------------------------------------------------- secure messaging


def _example_channel() -> SecureChannel:
    return SecureChannel(bac.SessionKeys(KS_ENC, KS_MAC, SSC))


def test_protected_select_ef_com_of_the_worked_example():
    channel = _example_channel()
    assert channel.wrap_command(apdu.select_file(0x011E)) == H(
        "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"
    )
    assert channel.ssc == 0x887022120C06C227
    response = channel.unwrap_response(H("990290008E08FA855A5D4C50A8ED9000"))
    assert response == apdu.ResponseApdu(b"", 0x9000)
    assert channel.ssc == 0x887022120C06C228


def test_protected_read_binary_of_the_worked_example():
    channel = _example_channel()
    channel.ssc = 0x887022120C06C228
    assert channel.wrap_command(apdu.read_binary(0, 4)) == H(
        "0CB000000D9701048E08ED6705417E96BA5500"
    )
    first = channel.unwrap_response(H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"))
    assert first.data == H("60145F01")
    assert tlv.total_length(first.data) == 0x16
    assert channel.wrap_command(apdu.read_binary(4, 0x12)) == H(
        "0CB000040D9701128E082EA28A70F3C7B53500"
    )
    rest = channel.unwrap_response(H(
        "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000"
    ))
    com = datagroups.decode_com(first.data + rest.data)
    assert com.lds_version == "0106" and com.tags == (0x61, 0x75)


def test_chip_side_unwraps_what_the_terminal_wraps_and_back():
    terminal, chip = _example_channel(), _example_channel()
    command = apdu.read_binary(0x0100, 0xDF)
    assert chip.unwrap_command(terminal.wrap_command(command)) == command
    answer = apdu.ResponseApdu(bytes(range(200)), 0x9000)
    assert terminal.unwrap_response(chip.wrap_response(answer)) == answer


def test_a_tampered_response_fails_the_mac_check():
    channel = _example_channel()
    channel.ssc = 0x887022120C06C228
    channel.wrap_command(apdu.read_binary(0, 4))
    tampered = bytearray(H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"))
    tampered[4] ^= 0x01
    with pytest.raises(SecureMessagingError, match="MAC"):
        channel.unwrap_response(bytes(tampered))


# --------------------------------------------------------------------------- TLV and APDUs


def test_tlv_multi_byte_tags_and_long_lengths():
    encoded = tlv.encode(0x5F1F, bytes(300))
    assert encoded[:5] == H("5F1F82012C")
    item, end = tlv.decode_one(encoded)
    assert item.tag == 0x5F1F and len(item.value) == 300 and end == len(encoded)


def test_command_apdu_cases_round_trip():
    for command in (apdu.get_challenge(), apdu.select_application(), apdu.read_binary(5, 0),
                    apdu.CommandApdu(0, 0x10, 1, 2)):
        assert apdu.decode_command(bytes(command)) == command
    assert bytes(apdu.select_application()) == H("00A4040C07A0000002471001")


# --------------------------------------------------------------------------- data groups


def test_dg13_tolerates_absent_and_unknown_fields():
    body = b"".join([
        tlv.encode(0x30, tlv.encode(0x02, b"\x01") + tlv.encode(0x0C, b"001085999001")),
        tlv.encode(0x30, tlv.encode(0x02, b"\x04") + tlv.encode(0x0C, "Nữ".encode())),
        tlv.encode(0x30, tlv.encode(0x02, b"\x0d") + tlv.encode(
            0x30, tlv.encode(0x0C, "Bố".encode()) + tlv.encode(0x0C, "Mẹ".encode()))),
        tlv.encode(0x30, tlv.encode(0x02, b"\x10") + tlv.encode(0x0C, b"123456789")),
    ])
    # Sequences directly under 6D (no SET), as some cards do.
    parsed = datagroups.decode_dg13(tlv.encode(0x6D, body))
    assert parsed.personal_id == "001085999001"
    assert parsed.sex == "Nữ"
    assert (parsed.father_name, parsed.mother_name) == ("Bố", "Mẹ")
    assert parsed.full_name is None and parsed.religion is None
    assert parsed.extra == {16: "123456789"}


def test_dg13_round_trip_of_every_test_citizen():
    for citizen in TEST_CITIZENS:
        values = citizen.dg13()
        assert datagroups.decode_dg13(datagroups.encode_dg13(values)) == values


def test_dg2_carries_the_portrait():
    face = datagroups.decode_dg2(datagroups.encode_dg2(b"\xff\xd8jpeg\xff\xd9", 48, 64))
    assert face == datagroups.FaceImage("image/jpeg", 48, 64, b"\xff\xd8jpeg\xff\xd9")


# --------------------------------------------------------------------------- test citizens + SOD


def test_seeded_citizens_have_consistent_fake_id_numbers():
    assert len(TEST_CITIZENS) >= 5
    for citizen in TEST_CITIZENS:
        assert personal_id_matches(citizen.personal_id, citizen.birth_date, citizen.female)
        assert citizen.personal_id[6:9] == "999"  # marked as test numbers
        assert mrz.parse_td1(citizen.mrz_lines).personal_id == citizen.personal_id
    today = TEST_CITIZENS[0].issue_date.replace(year=2026)
    expired = [i for i, c in enumerate(TEST_CITIZENS) if c.is_expired(today)]
    assert expired == [EXPIRED_CITIZEN_INDEX]


def test_sod_is_signed_data_over_the_hashes_of_every_data_group(test_pki):
    files = chip_files(TEST_CITIZENS[1], test_pki)
    parsed = sod.parse_sod(files["SOD"])
    assert parsed.hash_algorithm == "sha256"
    assert parsed.dg_hashes == {n: parsed.hash_of(files[f"DG{n}"]) for n in (1, 2, 13)}
    signer = x509.load_der_x509_certificate(parsed.signer_certificate)
    assert signer == test_pki.signer_certificate
    signer.public_key().verify(parsed.signature, parsed.signed_attributes, ec.ECDSA(hashes.SHA256()))
    signer.verify_directly_issued_by(test_pki.csca_certificate)
    assert "NOT FOR PRODUCTION" in asn1_x509.Certificate.load(parsed.signer_certificate).subject.human_friendly


def test_sod_with_a_changed_content_is_rejected(test_pki):
    files = chip_files(TEST_CITIZENS[0], test_pki)
    raw = bytearray(files["SOD"])
    digest = sod.parse_sod(bytes(raw)).dg_hashes[1]
    index = raw.find(digest)
    raw[index] ^= 0xFF
    with pytest.raises(ProtocolError, match="message digest"):
        sod.parse_sod(bytes(raw))


def test_test_pki_is_deterministic_and_cached(tmp_path):
    first = load_or_create_test_pki(tmp_path)
    again = load_or_create_test_pki(tmp_path)
    assert again.signer_certificate == first.signer_certificate
    assert (tmp_path / "ds-key.pem").stat().st_mode & 0o077 == 0
    regenerated = generate_test_pki()
    assert regenerated.csca_key.private_numbers() == first.csca_key.private_numbers()


# --------------------------------------------------------------------------- reader link


def test_reader_frame_golden_bytes():
    frame = rf.encode_frame(rf.ReaderFrame(rf.GET_SLOT_STATUS, 1))
    crc = rf.crc16_ccitt_false(H("65010000"))
    assert frame == H("0265010000") + crc.to_bytes(2, "big")
    assert rf.crc16_ccitt_false(b"123456789") == 0x29B1
    assert rf.decode_frame(frame) == rf.ReaderFrame(rf.GET_SLOT_STATUS, 1)


def test_reader_frame_with_a_bad_crc_or_garbage_is_a_protocol_error():
    frame = bytearray(rf.encode_frame(rf.ReaderFrame(rf.DATA, 7, b"\x90\x00")))
    frame[-1] ^= 1
    with pytest.raises(ProtocolError, match="checksum"):
        rf.decode_frame(bytes(frame))
    with pytest.raises(ProtocolError, match="garbage"):
        rf.decode_frame(b"\x55" + bytes(frame))


# --------------------------------------------------------------------------- fuzzing

_fuzz = settings(max_examples=200, deadline=None)


def _only_protocol_errors(*parsers) -> None:
    for parse in parsers:
        try:
            parse()
        except ProtocolError:
            pass


@given(st.binary(max_size=120))
@_fuzz
def test_tlv_and_data_group_parsers_raise_only_protocol_error(data):
    _only_protocol_errors(
        lambda: tlv.decode_all(data),
        lambda: tlv.total_length(data),
        lambda: datagroups.decode_com(data),
        lambda: datagroups.decode_dg1(data),
        lambda: datagroups.decode_dg2(data),
        lambda: datagroups.decode_dg13(data),
        lambda: datagroups.decode_dg13(tlv.encode(0x6D, data)),
        lambda: datagroups.decode_dg13(tlv.encode(0x6D, tlv.encode(0x31, data))),
        lambda: sod.parse_sod(data),
        lambda: sod.parse_sod(tlv.encode(0x77, data)),
        lambda: apdu.decode_command(data),
        lambda: apdu.decode_response(data),
        lambda: rf.decode_frame(data),
        lambda: rf.FrameReader().feed(data),
    )


@given(st.binary(max_size=120))
@_fuzz
def test_secure_messaging_unwrap_raises_only_protocol_error(data):
    _only_protocol_errors(
        lambda: _example_channel().unwrap_response(data),
        lambda: _example_channel().unwrap_command(data),
        lambda: _example_channel().unwrap_response(tlv.encode(0x87, data) + H("990290008E08") + bytes(8) + H("9000")),
    )


@given(st.lists(st.sampled_from([0x02, 0x04, 0x0C, 0x30, 0x31, 0x13, 0x80]), max_size=12),
       st.binary(max_size=40))
@_fuzz
def test_dg13_parser_survives_structured_noise(tags, payload):
    body = payload
    for tag in tags:
        body = tlv.encode(tag, body)
    _only_protocol_errors(lambda: datagroups.decode_dg13(tlv.encode(0x6D, body)))


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<", min_size=90, max_size=90))
@_fuzz
def test_td1_parser_on_random_mrz_text_raises_only_protocol_error(text):
    _only_protocol_errors(lambda: mrz.parse_td1(text))


def test_sod_fuzzing_of_a_real_sod_raises_only_protocol_error(test_pki):
    raw = chip_files(TEST_CITIZENS[2], test_pki)["SOD"]
    for index in range(0, len(raw), 7):
        mutated = bytearray(raw)
        mutated[index] ^= 0xA5
        _only_protocol_errors(lambda m=bytes(mutated): sod.parse_sod(m))


# -- issue 16: ICAO 9303-5 long document numbers, the Vietnamese line 1 position 30 ----------

ICAO_LONG_NUMBER = ("I<UTOD23145890<7349<<<<<<<<<<<",  # ICAO 9303-5 appendix: D23145890734, check digit 9
                    "3407127M9507122UTO<<<<<<<<<<<2",
                    "STEVENSON<<PETER<JOHN<<<<<<<<<")


def test_a_long_document_number_is_read_whole_from_the_optional_data():
    td1 = mrz.parse_td1(ICAO_LONG_NUMBER)
    assert td1.document_number == "D23145890734" and td1.optional_data_1 == ""
    assert td1.mrz_information == "D23145890734" + "9" + "340712" + "7" + "950712" + "2"
    assert mrz.validate_mrz_information(td1.mrz_information) == td1.mrz_information


def test_a_long_document_number_is_composed_as_icao_9303_5_says():
    lines = mrz.compose_td1(document_number="D23145890734", birth_date="340712", sex="M", expiry_date="950712",
                            surname="STEVENSON", given_names="PETER JOHN", issuing_state="UTO",
                            nationality="UTO", document_code="I")
    assert lines == ICAO_LONG_NUMBER


def test_a_long_document_number_with_a_wrong_check_digit_is_refused():
    bad = (ICAO_LONG_NUMBER[0].replace("7349", "7348"),) + ICAO_LONG_NUMBER[1:]
    with pytest.raises(ProtocolError, match="document number"):
        mrz.parse_td1(bad)


def test_the_vietnamese_td1_carries_the_id_check_digit_at_line_1_position_30():
    line1, line2, line3 = mrz.vn_td1(personal_id="079192999002", birth_date="920505", sex="F",
                                     expiry_date="520505", surname="Trần", given_names="Thị Bích Ngọc")
    assert line1[:15] == "IDVNM192999002" + mrz.check_digit("192999002")
    assert line1[15:27] == "079192999002" and line1[27:29] == "<<"
    assert line1[29] == mrz.check_digit("079192999002") == "7"
    td1 = mrz.parse_td1((line1, line2, line3))  # the composite check digit covers position 30
    assert td1.personal_id == "079192999002"
    with pytest.raises(ProtocolError, match="composite"):
        mrz.parse_td1((line1[:29] + "<", line2, line3))

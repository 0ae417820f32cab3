"""station vietqr encode/decode."""

import json

from core.cli import main


def test_encode_then_decode_round_trips(capsys):
    assert main(["vietqr", "encode", "--bin", "970436", "--account", "0011001234567", "--amount", "50000",
                 "--purpose", "Nộp phạt", "--dynamic"]) == 0
    payload = capsys.readouterr().out.strip()
    assert payload.startswith("000201010212")
    assert main(["vietqr", "decode", payload]) == 0
    fields = json.loads(capsys.readouterr().out)
    assert fields["bank"] == "Vietcombank"
    assert (fields["amount"], fields["purpose"], fields["initiation"]) == (50000, "Nop phat", "dynamic")


def test_decode_bad_crc_exits_2_naming_the_problem(capsys):
    assert main(["vietqr", "encode", "--bin", "970415", "--account", "123456789"]) == 0
    payload = capsys.readouterr().out.strip()
    assert main(["vietqr", "decode", payload[:-4] + "0000"]) == 2
    assert "CRC mismatch" in capsys.readouterr().err


def test_decode_garbage_and_bad_bin_exit_2(capsys):
    assert main(["vietqr", "decode", "hello"]) == 2
    assert main(["vietqr", "encode", "--bin", "12", "--account", "1"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("error:") == 2

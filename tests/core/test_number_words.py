"""Amounts in words (issue 14): Vietnamese reading rules (mốt, lăm, linh, mươi, mười), English,
and the JavaScript mirror that shows the words live gives the same text for every value."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from core.number_words import MAX_AMOUNT, amount_in_words, number_in_words

VIETNAMESE = {
    0: "không", 1: "một", 5: "năm", 10: "mười", 11: "mười một", 14: "mười bốn", 15: "mười lăm",
    20: "hai mươi", 21: "hai mươi mốt", 25: "hai mươi lăm", 31: "ba mươi mốt", 55: "năm mươi lăm",
    100: "một trăm", 101: "một trăm linh một", 105: "một trăm linh năm", 110: "một trăm mười",
    111: "một trăm mười một", 115: "một trăm mười lăm", 121: "một trăm hai mươi mốt", 205: "hai trăm linh năm",
    1000: "một nghìn", 1001: "một nghìn không trăm linh một", 1015: "một nghìn không trăm mười lăm",
    1021: "một nghìn không trăm hai mươi mốt", 10_000: "mười nghìn", 15_000: "mười lăm nghìn",
    100_000: "một trăm nghìn", 250_000: "hai trăm năm mươi nghìn", 1_000_000: "một triệu",
    1_000_005: "một triệu không trăm linh năm", 1_005_000: "một triệu không trăm linh năm nghìn",
    1_500_000: "một triệu năm trăm nghìn", 15_000_000: "mười lăm triệu",
    21_500_000: "hai mươi mốt triệu năm trăm nghìn", 85_500_000: "tám mươi lăm triệu năm trăm nghìn",
    1_000_000_000: "một tỷ", 1_050_000_000: "một tỷ không trăm năm mươi triệu",
    1_000_000_000_000: "một nghìn tỷ", 2_000_001_000_000_000: "hai triệu không trăm linh một tỷ",
    999_999_999: "chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín",
}

ENGLISH = {0: "zero", 5: "five", 15: "fifteen", 21: "twenty-one", 105: "one hundred five",
           1_000_000: "one million", 1_005_000: "one million five thousand", 15_000_000: "fifteen million",
           1_000_000_000_000: "one trillion"}


@pytest.mark.parametrize("number, words", sorted(VIETNAMESE.items()))
def test_vietnamese_reading(number, words):
    assert number_in_words(number, "vi") == words


@pytest.mark.parametrize("number, words", sorted(ENGLISH.items()))
def test_english_reading(number, words):
    assert number_in_words(number, "en") == words


def test_amounts_end_in_dong():
    assert amount_in_words(15_000_000) == "mười lăm triệu đồng"
    assert amount_in_words(15_000_000, "en") == "fifteen million dong"


@pytest.mark.parametrize("bad", [-1, MAX_AMOUNT + 1])
def test_out_of_range_is_refused(bad):
    with pytest.raises(ValueError):
        number_in_words(bad)


def test_the_javascript_mirror_agrees_on_every_value():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = Path(__file__).parents[2] / "core" / "web" / "static" / "amount_words.js"
    values = sorted({*VIETNAMESE, *ENGLISH, *range(0, 1200), *(n * 1000 + 5 for n in range(0, 3000, 7)),
                     12_345_678, 100_000_001, 7_000_070_000, 900_000_000_000_009})
    values = [v for v in values if v <= 9_007_199_254_740_991]
    program = ("const a = require(process.argv[1]); const vs = JSON.parse(process.argv[2]);"
               "console.log(JSON.stringify(vs.map(v => [a.amountInWords(v, 'vi'), a.amountInWords(v, 'en')])));")
    out = subprocess.run([node, "-e", program, str(script), json.dumps(values)], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    mirrored = json.loads(out)
    expected = [[amount_in_words(v, "vi"), amount_in_words(v, "en")] for v in values]
    mismatches = [(v, m, e) for v, m, e in zip(values, mirrored, expected, strict=True) if m != e]
    assert not mismatches, mismatches[:5]

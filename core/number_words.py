"""Amounts in words, as a bank form and a receipt write them (issue 14).

Vietnamese: ``15_000_000`` → ``mười lăm triệu``; the reading rules are those of standard
Vietnamese — *mốt* for a final 1 after twenty and up (hai mươi mốt, but mười một), *lăm* for a
final 5 after ten and up (mười lăm, hai mươi lăm, but một trăm linh năm), *linh* for a zero
ten before a unit (một trăm linh năm), *mươi* for the tens from twenty, *mười* for ten; a group
after a larger one is read in full (một triệu không trăm linh năm nghìn); empty groups are
skipped; thousands of *tỷ* are read as a number before *tỷ* (một nghìn tỷ).

English: ``15_000_000`` → ``fifteen million``. The same rules are mirrored for the live
display in ``core/web/static/amount_words.js``; a test checks both agree on a table of values.
"""

from __future__ import annotations

VI_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
EN_SMALL = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
            "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
EN_SCALES = ("", "thousand", "million", "billion", "trillion", "quadrillion")
MAX_AMOUNT = 10**18 - 1


def _vi_group(group: int, full: bool) -> list[str]:
    """Words of 0 < group < 1000; ``full`` when a larger group came before (read the hundreds)."""
    hundreds, tens, units = group // 100, group // 10 % 10, group % 10
    words: list[str] = []
    if full or hundreds:
        words += [VI_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
            words.append(VI_DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else VI_DIGITS[units])
    else:
        words += [VI_DIGITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 5: "lăm"}.get(units, VI_DIGITS[units]))
    return words


def _vi_below_billion(number: int, full: bool) -> list[str]:
    words: list[str] = []
    for value, scale in ((number // 1_000_000, "triệu"), (number // 1000 % 1000, "nghìn"), (number % 1000, "")):
        if value:
            words += _vi_group(value, full or bool(words))
            if scale:
                words.append(scale)
    return words


def _vi_words(number: int, full: bool = False) -> list[str]:
    if number >= 1_000_000_000:
        billions, rest = divmod(number, 1_000_000_000)
        return [*_vi_words(billions, full), "tỷ", *(_vi_below_billion(rest, True) if rest else [])]
    return _vi_below_billion(number, full)


def _en_group(group: int) -> list[str]:
    hundreds, rest = divmod(group, 100)
    words = [EN_SMALL[hundreds], "hundred"] if hundreds else []
    if rest >= 20:
        words.append(EN_TENS[rest // 10] + (f"-{EN_SMALL[rest % 10]}" if rest % 10 else ""))
    elif rest:
        words.append(EN_SMALL[rest])
    return words


def _en_words(number: int) -> list[str]:
    words: list[str] = []
    groups = []
    while number:
        number, group = divmod(number, 1000)
        groups.append(group)
    for index in range(len(groups) - 1, -1, -1):
        if groups[index]:
            words += _en_group(groups[index])
            if EN_SCALES[index]:
                words.append(EN_SCALES[index])
    return words


def number_in_words(number: int, lang: str = "vi") -> str:
    """A whole number 0 ≤ n < 10¹⁸ in words (lower case), Vietnamese or English."""
    number = int(number)
    if not 0 <= number <= MAX_AMOUNT:
        raise ValueError(f"number_in_words takes 0..{MAX_AMOUNT}, not {number}")
    if number == 0:
        return "không" if lang == "vi" else "zero"
    return " ".join(_vi_words(number) if lang == "vi" else _en_words(number))


def amount_in_words(amount_vnd: int, lang: str = "vi") -> str:
    """``15000000`` → ``mười lăm triệu đồng`` (vi) / ``fifteen million dong`` (en)."""
    return f"{number_in_words(amount_vnd, lang)} {'đồng' if lang == 'vi' else 'dong'}"

"""Staff password rules: long enough, and not in the shipped list of common passwords."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from core.errors import UserInputError

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common_passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (lower case), read once."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_password_rules(password: str, username: str = "") -> None:
    """Refuse a password that is short, common, or the username (:class:`UserInputError`)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserInputError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    folded = password.strip().lower()
    if folded in common_passwords() or (username and username.lower() in folded and
                                        len(folded) - len(username) < MIN_PASSWORD_LENGTH // 2):
        raise UserInputError("this password is too common or too close to the username; choose another one")

"""Chip ID card login: read through the HAL reader, passive authentication, identity checks.

Every refusal raises a :class:`CardLoginError` (or the more specific error of the step that
failed) with a message a citizen can act on; the caller audits it. Nothing read from the
card is kept unless the login succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import StationError
from core.identity.card_identity import CardIdentity, card_identity_from_files
from hal.errors import (
    DeviceBusy,
    DeviceFault,
    DeviceNotReady,
    DeviceTimeout,
    HalError,
    ProtocolError,
)

if TYPE_CHECKING:  # passive authentication (cryptography's X.509, asn1crypto) loads at the first card
    from core.identity.passive_auth import PassiveAuthResult, TrustStore


class CardLoginError(StationError):
    """The card could not be used; ``code`` names why (stable, for audit and translation)."""

    http_status = 403

    def __init__(self, code: str, message: str, vi: str) -> None:
        super().__init__(message)
        self.code = code
        self.vi = vi


_DEVICE_MESSAGES = {
    "no_card": ("Please place your chip ID card on the reader.", "Vui lòng đặt thẻ căn cước lên đầu đọc."),
    "no_document": ("Please place your chip ID card on the reader.", "Vui lòng đặt thẻ căn cước lên đầu đọc."),
    "card_removed": ("The card was moved away while it was being read. Please place it on the reader "
                     "again and keep it still.",
                     "Thẻ bị nhấc ra trong khi đang đọc. Vui lòng đặt lại thẻ và giữ yên."),
    "access_denied": ("The card did not accept the numbers. Please check the ID number, date of birth "
                      "and expiry date you typed.",
                      "Thẻ không chấp nhận các số đã nhập. Vui lòng kiểm tra số định danh, ngày sinh "
                      "và ngày hết hạn."),
    "bad_mrz_input": ("The numbers typed do not look right. Please check them.",
                      "Các số đã nhập có vẻ chưa đúng. Vui lòng kiểm tra lại."),
    "not_an_id_card": ("This is not a chip ID card.", "Đây không phải thẻ căn cước gắn chip."),
}


@dataclass(frozen=True)
class CardLoginResult:
    """A verified card holder and what passive authentication proved."""

    identity: CardIdentity
    passive_auth: PassiveAuthResult


class CardLoginOff(StationError):
    """The station has no CSCA certificate (or cannot read its trust store): chip-card login is
    off. Told to the citizen without any file path; the manager sees the cause on /healthz and
    in the console."""

    http_status = 503
    exit_code = 2
    code = "card_login_off"

    def __init__(self) -> None:
        super().__init__("Login with the chip ID card is not available at this station yet. Please use the "
                         "VNeID app or ask the staff for help.")
        self.vi = ("Trạm này chưa bật đăng nhập bằng thẻ căn cước gắn chip. Xin dùng ứng dụng VNeID hoặc "
                   "nhờ nhân viên hỗ trợ.")


class CardLogin:
    """Reads and verifies a chip ID card; the station's trust store holds the CSCA certificates."""

    def __init__(self, trust_store_dir: Path) -> None:
        self.trust_store_dir = trust_store_dir
        self._trust_store: TrustStore | None = None

    def is_on(self) -> bool:
        """Whether the trust store can be read and holds at least one CSCA certificate
        (read afresh each time, so certificates copied in take effect without a restart)."""
        from core.identity.passive_auth import TrustStoreError, load_trust_store

        try:
            store = load_trust_store(self.trust_store_dir)
        except TrustStoreError:
            return False
        if store.certificates and store != self._trust_store:
            self._trust_store = store
        return bool(store.certificates)

    @property
    def trust_store(self) -> TrustStore:
        if self._trust_store is None:
            from core.identity.passive_auth import load_trust_store

            self._trust_store = load_trust_store(self.trust_store_dir)
        return self._trust_store

    def scan_mrz_information(self, reader: Any) -> str:
        """The MRZ information from the reader's MRZ scanner (document on the window)."""
        try:
            return reader.scan_mrz().mrz_information
        except HalError as exc:
            raise device_error(exc) from None

    def verify(self, reader: Any, mrz_information: str, now: datetime) -> CardLoginResult:
        """Read DG1, DG2, DG13 and EF.SOD, check them, and return the verified identity."""
        try:
            card = reader.read_card(mrz_information, ("COM", "DG1", "DG2", "DG13", "SOD"))
        except HalError as exc:
            raise device_error(exc) from None
        if "SOD" not in card.files or "DG1" not in card.files:
            raise CardLoginError("card_incomplete", "The card did not give all its data; please try again.",
                                 "Thẻ không trả về đủ dữ liệu; vui lòng thử lại.")
        groups = {name: data for name, data in card.files.items() if name.startswith("DG")}
        from core.identity.passive_auth import passive_authenticate

        result = passive_authenticate(card.files["SOD"], groups, self.trust_store, now.astimezone(UTC))
        identity = card_identity_from_files(card.files["DG1"], card.files.get("DG13"), now.date())
        return CardLoginResult(identity, result)


def device_error(exc: HalError) -> StationError:
    """A citizen-facing error for a reader problem."""
    if isinstance(exc, DeviceFault):
        code = "access_denied" if type(exc).__name__ == "AccessDenied" else exc.code
        message, vi = _DEVICE_MESSAGES.get(code, (f"The card reader reported a problem: {exc.reason}",
                                                  "Đầu đọc thẻ báo lỗi; vui lòng thử lại."))
        return CardLoginError(code, message, vi)
    if isinstance(exc, DeviceBusy):
        return CardLoginError("reader_busy", "The card reader is busy; please try again in a moment.",
                              "Đầu đọc thẻ đang bận; vui lòng thử lại sau giây lát.")
    if isinstance(exc, DeviceNotReady | DeviceTimeout):
        return CardLoginError("reader_unavailable", "The card reader is not available right now. Please use "
                              "the VNeID app or ask the staff.",
                              "Đầu đọc thẻ hiện không sẵn sàng. Vui lòng dùng ứng dụng VNeID hoặc hỏi nhân viên.")
    if isinstance(exc, ProtocolError):
        return CardLoginError("reader_error", "The card could not be read cleanly; please try again.",
                              "Không đọc được thẻ; vui lòng thử lại.")
    return CardLoginError("reader_error", "The card reader failed; please try again.",
                          "Đầu đọc thẻ gặp lỗi; vui lòng thử lại.")

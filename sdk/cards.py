"""The chip ID card again, mid-session: a verified portrait for a face match (step-up).

    from sdk.cards import CardCheckFailed, read_verified_card_portrait

    portrait = read_verified_card_portrait()   # JPEG bytes of DG2, or CardCheckFailed

The portrait is not kept after login, so a plugin that needs it (a face match before a large
transfer, eKYC) asks the citizen to place the card on the reader again. The station reads the
card with the MRZ its reader scans, runs passive authentication over every data group read
(DG2 included) against the station's trust store, checks that the card belongs to the
citizen logged in, and only then hands over the portrait. Nothing is stored or logged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.devices import ABSENT, DeviceUnavailable
from core.errors import LoginRequired, StationError
from core.i18n import pick
from core.station import current_station
from sdk.accessors import citizen_matches_id_number, current_citizen


class CardCheckFailed(StationError):
    """The card could not give a verified portrait of the citizen logged in.

    ``code`` is stable (audit details, tests): ``no_reader``, ``different_person``,
    ``no_portrait``, or the card login's own codes (``no_card``, ``no_document``,
    ``card_removed``, ``access_denied``, ``reader_unavailable``, ``card_expired``,
    ``csca_unknown``, ...). The message is in the citizen's language.
    """

    http_status = 403

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class _RecordingReader:
    """Passes calls to the reader and keeps the card data the verification read."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self.card: Any = None

    def read_card(self, *args: Any, **kwargs: Any) -> Any:
        self.card = self._reader.read_card(*args, **kwargs)
        return self.card

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


def _as_card_check(exc: StationError) -> CardCheckFailed:
    code = getattr(exc, "code", type(exc).__name__)
    vi = getattr(exc, "vi", None)
    return CardCheckFailed(str(code), pick(vi, str(exc)) if vi else str(exc))


def read_verified_card_portrait() -> bytes:
    """The JPEG bytes of DG2 of the card on the reader, verified and of this citizen.

    Raises :class:`CardCheckFailed` (no reader, no card, card moved, passive authentication
    failed, expired card, card of another person, no portrait) and ``LoginRequired`` without
    a logged-in citizen.
    """
    if current_citizen() is None:
        raise LoginRequired(pick("Vui lòng xác thực trước.", "Please identify yourself first."))
    station = current_station()
    now = datetime.fromtimestamp(station.clock(), UTC)

    def read(driver: Any) -> Any:
        reader = _RecordingReader(driver)
        return reader, station.verify_card(reader, now)

    try:
        reader, result = station.devices.use("card_reader", read)
    except DeviceUnavailable as exc:
        code = "no_reader" if exc.state == ABSENT else "reader_unavailable"
        raise CardCheckFailed(code, str(exc)) from None
    except StationError as exc:
        raise _as_card_check(exc) from None
    if not citizen_matches_id_number(result.identity.id_number.digits):
        raise CardCheckFailed("different_person", pick(
            "Thẻ này không phải của người đang đăng nhập.",
            "This card belongs to someone else than the person logged in."))
    portrait = reader.card.portrait() if reader.card is not None else None
    if portrait is None or not portrait.data:
        raise CardCheckFailed("no_portrait", pick("Thẻ không có ảnh chân dung.",
                                                  "The card holds no portrait."))
    return bytes(portrait.data)


__all__ = ["CardCheckFailed", "read_verified_card_portrait"]

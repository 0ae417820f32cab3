"""Basic Access Control (ICAO 9303-11 §4.3) — key derivation and mutual authentication.

Pure functions; the random numbers (RND.IFD, K.IFD on the terminal side, RND.IC, K.IC on the
chip side) are passed in so tests can use the worked example of ICAO 9303-11 appendix D.
Both sides live here: the terminal (driver) and the chip (simulator) share one implementation
of the cryptography, and the golden vectors pin it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from hal.errors import ProtocolError

ENC_COUNTER = 1
MAC_COUNTER = 2
ZERO_IV = bytes(8)


class AuthenticationFailed(ProtocolError):
    """The other side's cryptogram or MAC did not verify (wrong MRZ keys, or tampering)."""


# --------------------------------------------------------------------------- primitives


def pad_iso9797_m2(data: bytes, block: int = 8) -> bytes:
    """ISO/IEC 9797-1 padding method 2: append 0x80, then zeros to a whole block."""
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % block)


def unpad_iso9797_m2(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80 or len(data) - len(stripped) >= 8:
        raise ProtocolError("bad padding in encrypted data")
    return stripped[:-1]


def _des3(key: bytes, data: bytes, *, encrypt: bool, iv: bytes = ZERO_IV) -> bytes:
    if len(data) % 8:
        raise ProtocolError("3DES data is not a whole number of blocks")
    if len(key) == 16:
        key = key + key[:8]  # two-key 3DES spelled as a 24-byte key (K1 K2 K1)
    cipher = Cipher(TripleDES(key), modes.CBC(iv))
    op = cipher.encryptor() if encrypt else cipher.decryptor()
    return op.update(data) + op.finalize()


def des3_encrypt(key: bytes, data: bytes, iv: bytes = ZERO_IV) -> bytes:
    """Two-key 3DES in CBC mode (zero IV unless given); ``data`` must be block aligned."""
    return _des3(key, data, encrypt=True, iv=iv)


def des3_decrypt(key: bytes, data: bytes, iv: bytes = ZERO_IV) -> bytes:
    return _des3(key, data, encrypt=False, iv=iv)


def _des_block(key8: bytes, block: bytes, *, encrypt: bool) -> bytes:
    # 3DES with K1 = K2 = K3 is single DES.
    cipher = Cipher(TripleDES(key8 * 3), modes.ECB())  # nosec B305 # ICAO 9303-11 BAC: single-DES blocks for the retail MAC, as the chip requires
    op = cipher.encryptor() if encrypt else cipher.decryptor()
    return op.update(block) + op.finalize()


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 (retail MAC) with DES; ``data`` already padded."""
    if len(data) % 8 or not data:
        raise ProtocolError("MAC input is not a whole number of blocks")
    k1, k2 = key[:8], key[8:16]
    state = bytes(8)
    for i in range(0, len(data), 8):
        block = bytes(a ^ b for a, b in zip(state, data[i : i + 8], strict=True))
        state = _des_block(k1, block, encrypt=True)
    state = _des_block(k2, state, encrypt=False)
    return _des_block(k1, state, encrypt=True)


def adjust_parity(key: bytes) -> bytes:
    """Set DES odd parity on every byte."""
    out = bytearray()
    for byte in key:
        high = byte & 0xFE
        out.append(high | (bin(high).count("1") % 2 == 0))
    return bytes(out)


def derive_key(seed: bytes, counter: int) -> bytes:
    """ICAO KDF for 3DES: first 16 bytes of SHA-1(seed ‖ counter), parity adjusted."""
    digest = hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()  # nosec B324 # ICAO 9303-11 BAC key derivation is defined with SHA-1; the chip dictates it
    return adjust_parity(digest[:16])


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class SessionKeys:
    """Secure messaging keys and the starting send sequence counter."""

    enc: bytes
    mac: bytes
    ssc: int


def key_seed(mrz_info: str) -> bytes:
    """K_seed: the first 16 bytes of SHA-1 of the MRZ information."""
    return hashlib.sha1(mrz_info.encode("ascii")).digest()[:16]  # nosec B324 # ICAO 9303-11 BAC key derivation is defined with SHA-1; the chip dictates it


def document_basic_access_keys(mrz_info: str) -> tuple[bytes, bytes]:
    """(K_Enc, K_MAC) derived from the MRZ information."""
    seed = key_seed(mrz_info)
    return derive_key(seed, ENC_COUNTER), derive_key(seed, MAC_COUNTER)


def session_keys(k_ifd: bytes, k_ic: bytes, rnd_ic: bytes, rnd_ifd: bytes) -> SessionKeys:
    """Session keys from K.IFD ⊕ K.IC and SSC = last 4 bytes of RND.IC ‖ of RND.IFD."""
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic, strict=True))
    ssc = int.from_bytes(rnd_ic[-4:] + rnd_ifd[-4:], "big")
    return SessionKeys(derive_key(seed, ENC_COUNTER), derive_key(seed, MAC_COUNTER), ssc)


# --------------------------------------------------------------------------- terminal side


def mutual_authenticate_data(
    k_enc: bytes, k_mac: bytes, rnd_ic: bytes, rnd_ifd: bytes, k_ifd: bytes
) -> bytes:
    """The 40-byte MUTUAL AUTHENTICATE command data: E_IFD ‖ M_IFD."""
    if len(rnd_ic) != 8 or len(rnd_ifd) != 8 or len(k_ifd) != 16:
        raise ValueError("RND.IC and RND.IFD are 8 bytes, K.IFD 16 bytes")
    e_ifd = des3_encrypt(k_enc, rnd_ifd + rnd_ic + k_ifd)
    return e_ifd + retail_mac(k_mac, pad_iso9797_m2(e_ifd))


def finish_mutual_authentication(
    response: bytes, k_enc: bytes, k_mac: bytes, rnd_ic: bytes, rnd_ifd: bytes, k_ifd: bytes
) -> SessionKeys:
    """Check the chip's E_IC ‖ M_IC and derive the session keys."""
    if len(response) != 40:
        raise AuthenticationFailed("mutual authentication answer has the wrong length")
    e_ic, m_ic = response[:32], response[32:]
    if not hmac.compare_digest(retail_mac(k_mac, pad_iso9797_m2(e_ic)), m_ic):
        raise AuthenticationFailed("chip's authentication MAC does not verify")
    plain = des3_decrypt(k_enc, e_ic)
    if plain[:8] != rnd_ic or plain[8:16] != rnd_ifd:
        raise AuthenticationFailed("chip's authentication cryptogram does not match")
    return session_keys(k_ifd, plain[16:32], rnd_ic, rnd_ifd)


# --------------------------------------------------------------------------- chip side


def chip_answer_mutual_authenticate(
    command_data: bytes, k_enc: bytes, k_mac: bytes, rnd_ic: bytes, k_ic: bytes
) -> tuple[bytes, SessionKeys]:
    """The chip's side: verify E_IFD ‖ M_IFD, answer E_IC ‖ M_IC, derive session keys.

    Raises :class:`AuthenticationFailed` when the terminal used the wrong keys.
    """
    if len(command_data) != 40:
        raise AuthenticationFailed("mutual authentication data has the wrong length")
    e_ifd, m_ifd = command_data[:32], command_data[32:]
    if not hmac.compare_digest(retail_mac(k_mac, pad_iso9797_m2(e_ifd)), m_ifd):
        raise AuthenticationFailed("terminal's authentication MAC does not verify")
    plain = des3_decrypt(k_enc, e_ifd)
    rnd_ifd, echoed_rnd_ic, k_ifd = plain[:8], plain[8:16], plain[16:32]
    if echoed_rnd_ic != rnd_ic:
        raise AuthenticationFailed("terminal answered a different challenge")
    e_ic = des3_encrypt(k_enc, rnd_ic + rnd_ifd + k_ic)
    answer = e_ic + retail_mac(k_mac, pad_iso9797_m2(e_ic))
    return answer, session_keys(k_ifd, k_ic, rnd_ic, rnd_ifd)

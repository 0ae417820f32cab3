"""Passive authentication of a chip ID card (ICAO 9303-11 §5.1) over raw EF.SOD and DG bytes.

Steps, in the order the standard gives them:

1. read EF.SOD: a CMS SignedData whose content is the LDSSecurityObject (the hash of every
   data group) and which carries the document signer (DS) certificate;
2. find the CSCA in the station's trust store that issued the DS certificate and verify the
   DS certificate's signature with it; check both certificates' validity at ``now`` and the
   DS key usage (digitalSignature);
3. verify the SOD signature with the DS public key: the signed attributes must carry the
   LDSSecurityObject content type and the message digest of the content;
4. hash every presented data group with the SOD's algorithm and compare with the SOD.

Pure: bytes, certificates and a time in, :class:`PassiveAuthResult` out. Only
:func:`load_trust_store` reads files.

Why not ``cryptography.x509.verification``: it implements the CA/Browser Forum Web PKI
profile, which refuses keys on the Brainpool curves that many CSCAs use and knows nothing
of the ICAO 9303-12 profile. An ICAO chain is always CSCA → DS (link certificates between
CSCA generations are trust-store entries too), so the check is done directly with
``Certificate.verify_directly_issued_by`` plus explicit validity and key-usage checks.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from asn1crypto import algos, cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from core.errors import StationError
from hal.errors import ProtocolError
from hal.protocols.icao import tlv
from hal.protocols.icao.datagroups import TAG_SOD
from hal.protocols.icao.sod import LDS_SECURITY_OBJECT_OID, LdsSecurityObject

# --------------------------------------------------------------------------- errors


class PassiveAuthError(StationError):
    """The card's data could not be proven genuine; the card login is refused.

    ``code`` is stable (translations, audit entries); ``vi`` is the Vietnamese sentence,
    the exception text the English one. No personal data in either.
    """

    http_status = 403
    exit_code = 2
    code = "passive_auth_failed"
    default_message = "the card's data could not be verified"
    default_vi = "Không xác thực được dữ liệu trên thẻ"

    def __init__(self, message: str | None = None, vi: str | None = None) -> None:
        super().__init__(message or self.default_message)
        self.vi = vi or self.default_vi


class MalformedSOD(PassiveAuthError):
    """EF.SOD is not a well-formed ICAO security object."""

    code = "sod_malformed"
    default_message = (
        "the card's security object (EF.SOD) is damaged or not in the ICAO 9303 format; "
        "hold the card still on the reader and try again, or ask staff to check the card"
    )
    default_vi = (
        "Vùng dữ liệu bảo mật (EF.SOD) của thẻ bị hỏng hoặc sai định dạng; hãy giữ yên thẻ "
        "trên đầu đọc và thử lại, hoặc nhờ nhân viên kiểm tra thẻ"
    )


class UnknownCSCA(PassiveAuthError):
    """No CSCA certificate in the trust store issued the card's document signer."""

    code = "csca_unknown"
    default_message = (
        "the card was issued by an authority this station does not trust; "
        "ask staff to check the station's trust store or use another way to log in"
    )
    default_vi = (
        "Thẻ được cấp bởi cơ quan mà trạm này chưa tin cậy; hãy nhờ nhân viên kiểm tra kho "
        "chứng thư của trạm hoặc đăng nhập bằng cách khác"
    )


class SignatureInvalid(PassiveAuthError):
    """The SOD signature (or its signed message digest) does not verify."""

    code = "signature_invalid"
    default_message = (
        "the card's security signature does not verify: its data may have been altered or "
        "the card may be counterfeit; the card cannot be used here — contact the police "
        "office that issued it"
    )
    default_vi = (
        "Chữ ký bảo mật của thẻ không hợp lệ: dữ liệu có thể đã bị sửa hoặc thẻ giả; không "
        "thể dùng thẻ này — hãy liên hệ cơ quan công an nơi cấp thẻ"
    )


class CertificateExpired(PassiveAuthError):
    """The document signer or CSCA certificate had expired at the time of the check."""

    code = "certificate_expired"

    def __init__(self, which: str) -> None:
        self.which = which
        super().__init__(
            f"the card's {which} certificate has expired, so the card cannot be verified; "
            "ask staff to check the station clock and trust store, or renew the card",
            f"Chứng thư {_VI_CERT[which]} của thẻ đã hết hạn nên không xác thực được thẻ; "
            "hãy nhờ nhân viên kiểm tra đồng hồ và kho chứng thư của trạm, hoặc làm lại thẻ",
        )


class CertificateNotYetValid(PassiveAuthError):
    """The document signer or CSCA certificate is not valid yet at the time of the check."""

    code = "certificate_not_yet_valid"

    def __init__(self, which: str) -> None:
        self.which = which
        super().__init__(
            f"the card's {which} certificate is not valid yet; the station clock may be wrong — "
            "ask staff to check it",
            f"Chứng thư {_VI_CERT[which]} của thẻ chưa có hiệu lực; đồng hồ của trạm có thể "
            "sai — hãy nhờ nhân viên kiểm tra",
        )


class CertificateUnsuitable(PassiveAuthError):
    """The document signer certificate may not sign documents (key usage)."""

    code = "certificate_unsuitable"
    default_message = (
        "the card's document signer certificate is not allowed to sign documents; "
        "the card cannot be verified — contact the police office that issued it"
    )
    default_vi = (
        "Chứng thư của đơn vị ký thẻ không được phép ký tài liệu; không xác thực được thẻ "
        "— hãy liên hệ cơ quan công an nơi cấp thẻ"
    )


class DataGroupHashMismatch(PassiveAuthError):
    """A data group's hash differs from the SOD (or the SOD does not list it)."""

    code = "data_group_hash_mismatch"

    def __init__(self, data_group: int, *, listed: bool = True) -> None:
        self.data_group = data_group
        if listed:
            message = (
                f"data group DG{data_group} read from the card does not match its signed hash; "
                "hold the card still on the reader and try again — if it happens again the "
                "chip data has been altered and the card cannot be used"
            )
            vi = (
                f"Nhóm dữ liệu DG{data_group} đọc từ thẻ không khớp với giá trị băm đã ký; hãy "
                "giữ yên thẻ và thử lại — nếu vẫn lỗi, dữ liệu chip đã bị sửa và không dùng được thẻ"
            )
        else:
            message = (
                f"data group DG{data_group} is not covered by the card's security object, "
                "so it cannot be trusted"
            )
            vi = f"Nhóm dữ liệu DG{data_group} không được bảo vệ bởi chữ ký của thẻ"
        super().__init__(message, vi)


class TrustStoreError(StationError):
    """The CSCA trust store folder cannot be read; names the file and the problem."""

    exit_code = 2


_Ext = TypeVar("_Ext", bound=x509.ExtensionType)

_VI_CERT = {"document signer": "của đơn vị ký (DS)", "CSCA": "gốc (CSCA)"}

# --------------------------------------------------------------------------- trust store

_CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}


@dataclass(frozen=True)
class TrustStore:
    """The CSCA certificates (and CSCA link certificates) this station trusts."""

    certificates: tuple[x509.Certificate, ...] = ()

    @property
    def subjects(self) -> list[str]:
        """RFC 4514 subjects of the trusted certificates (manager console, diagnostics)."""
        return [certificate.subject.rfc4514_string() for certificate in self.certificates]

    def issuer_candidates(self, certificate: x509.Certificate) -> list[x509.Certificate]:
        """CA certificates whose subject (and key identifier, when both have one) match."""
        wanted_key_id = _authority_key_id(certificate)
        found = []
        for candidate in self.certificates:
            if candidate.subject != certificate.issuer or not _may_issue_certificates(candidate):
                continue
            key_id = _subject_key_id(candidate)
            if wanted_key_id is not None and key_id is not None and key_id != wanted_key_id:
                continue
            found.append(candidate)
        return found


def load_trust_store(folder: str | os.PathLike[str]) -> TrustStore:
    """Every certificate in ``folder`` (``.pem``/``.crt``/``.cer``/``.der``; PEM files may
    hold several). Other files are ignored; a certificate file that cannot be read is a
    :class:`TrustStoreError` naming it. An empty folder gives an empty store (every card
    is then refused with :class:`UnknownCSCA`).
    """
    path = Path(folder)
    if not path.is_dir():
        raise TrustStoreError(f"{path}: the CSCA trust store folder does not exist")
    certificates: list[x509.Certificate] = []
    for file in sorted(path.iterdir()):
        if file.suffix.lower() not in _CERT_SUFFIXES or not file.is_file():
            continue
        certificates.extend(_read_certificates(file))
    return TrustStore(tuple(certificates))


def _read_certificates(file: Path) -> list[x509.Certificate]:
    data = file.read_bytes()
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return list(x509.load_pem_x509_certificates(data))
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise TrustStoreError(f"{file}: not a PEM or DER X.509 certificate") from None


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class PassiveAuthResult:
    """What passive authentication proved."""

    verified_data_groups: tuple[int, ...]
    signed_data_groups: tuple[int, ...]  # every DG the SOD lists, read or not
    hash_algorithm: str
    signature_algorithm: str
    document_signer: str  # RFC 4514 subject of the DS certificate
    csca: str  # RFC 4514 subject of the trusted CSCA
    signing_time: datetime | None

    def covers(self, *data_groups: int) -> bool:
        """True when every one of ``data_groups`` was presented and verified."""
        return set(data_groups) <= set(self.verified_data_groups)


# --------------------------------------------------------------------------- verification


def passive_authenticate(
    sod_file: bytes,
    data_groups: Mapping[int | str, bytes],
    trust_store: TrustStore,
    now: datetime,
) -> PassiveAuthResult:
    """Verify EF.SOD against ``trust_store`` at time ``now`` and every DG against EF.SOD.

    ``data_groups`` maps a DG number (``1`` or ``"DG1"``) to the bytes read from the card;
    ``"COM"`` and ``"SOD"`` entries are ignored so the reader's file dict can be passed.
    Raises a :class:`PassiveAuthError` subclass; returns the result when all checks pass.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    presented = _normalise_data_groups(data_groups)
    sod = _read_sod(sod_file)
    csca = _verify_document_signer(sod.signer_certificate, trust_store, now)
    _verify_sod_signature(sod)
    for number, content in sorted(presented.items()):
        expected = sod.dg_hashes.get(number)
        if expected is None:
            raise DataGroupHashMismatch(number, listed=False)
        actual = hashlib.new(sod.hash_algorithm, content).digest()
        if not hmac.compare_digest(actual, expected):
            raise DataGroupHashMismatch(number)
    return PassiveAuthResult(
        verified_data_groups=tuple(sorted(presented)),
        signed_data_groups=tuple(sorted(sod.dg_hashes)),
        hash_algorithm=sod.hash_algorithm,
        signature_algorithm=sod.signature_algorithm_name,
        document_signer=sod.signer_certificate.subject.rfc4514_string(),
        csca=csca.subject.rfc4514_string(),
        signing_time=sod.signing_time,
    )


_DG_NAME = re.compile(r"^DG(\d{1,2})$", re.IGNORECASE)


def _normalise_data_groups(data_groups: Mapping[int | str, bytes]) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    for key, content in data_groups.items():
        if isinstance(key, str) and key.upper() in ("COM", "SOD"):
            continue
        match = _DG_NAME.match(key) if isinstance(key, str) else None
        number = int(match.group(1)) if match else key
        if not isinstance(number, int) or not 1 <= number <= 16:
            raise ValueError(f"not a data group: {key!r}")
        out[number] = bytes(content)
    if not out:
        raise ValueError("no data group to verify")
    return out


# ------------------------------------------------------------------ reading EF.SOD

_SUPPORTED_HASHES = {"sha1", "sha224", "sha256", "sha384", "sha512"}
_CRYPTO_HASHES = {
    "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
    "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}
# BSI TR-03111 ecdsa-plain-SHA*: signature is r || s instead of a DER SEQUENCE.
_ECDSA_PLAIN = {
    "0.4.0.127.0.7.1.1.4.1.1": "sha1", "0.4.0.127.0.7.1.1.4.1.2": "sha224",
    "0.4.0.127.0.7.1.1.4.1.3": "sha256", "0.4.0.127.0.7.1.1.4.1.4": "sha384",
    "0.4.0.127.0.7.1.1.4.1.5": "sha512",
}
# id-ecPublicKey, which some issuers put where the signature algorithm belongs.
_EC_PUBLIC_KEY = "1.2.840.10045.2.1"


@dataclass(frozen=True)
class _SignedSod:
    hash_algorithm: str
    dg_hashes: dict[int, bytes]
    signer_certificate: x509.Certificate
    signed_attributes: bytes  # DER SET OF Attribute, as signed
    content_digest_matches: bool
    signature: bytes
    signature_kind: str  # ecdsa | ecdsa_plain | rsassa_pkcs1v15 | rsassa_pss
    signature_hash: str
    pss_salt_length: int
    pss_mgf_hash: str
    signature_algorithm_name: str
    signing_time: datetime | None


def _read_sod(data: bytes) -> _SignedSod:
    try:
        outer = tlv.decode_single(bytes(data), TAG_SOD)
    except ProtocolError:
        raise MalformedSOD() from None
    try:
        return _read_signed_data(outer.value)
    except PassiveAuthError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError,
            UnsupportedAlgorithm, x509.InvalidVersion):
        raise MalformedSOD() from None


def _read_signed_data(der: bytes) -> _SignedSod:
    info = cms.ContentInfo.load(der, strict=True)
    if info["content_type"].native != "signed_data":
        raise MalformedSOD()
    signed = info["content"]
    encap = signed["encap_content_info"]
    if encap["content_type"].dotted != LDS_SECURITY_OBJECT_OID or encap["content"].native is None:
        raise MalformedSOD()
    content = encap["content"].contents
    lds = LdsSecurityObject.load(content, strict=True)
    hash_algorithm = lds["hash_algorithm"]["algorithm"].native
    if hash_algorithm not in _SUPPORTED_HASHES:
        raise MalformedSOD("the card's security object uses a hash algorithm this station "
                           "does not support")
    dg_hashes: dict[int, bytes] = {}
    for item in lds["data_group_hash_values"]:
        dg_hashes[int(item["data_group_number"].native)] = bytes(item["data_group_hash_value"].native)

    if len(signed["signer_infos"]) != 1:
        raise MalformedSOD()
    signer = signed["signer_infos"][0]
    certificate = _signer_certificate(signed, signer)

    digest_name = signer["digest_algorithm"]["algorithm"].native
    if digest_name not in _SUPPORTED_HASHES:
        raise MalformedSOD()
    attributes = signer["signed_attrs"]
    if not attributes:
        raise MalformedSOD()
    values = {}
    for attribute in attributes:
        kind = attribute["type"].dotted
        if kind in values or len(attribute["values"]) != 1:
            raise MalformedSOD()  # RFC 5652 §11: exactly one value, each type once
        values[kind] = attribute["values"][0]
    content_type = values.get("1.2.840.113549.1.9.3")
    message_digest = values.get("1.2.840.113549.1.9.4")
    if content_type is None or message_digest is None:
        raise MalformedSOD()
    if content_type.dotted != LDS_SECURITY_OBJECT_OID:
        raise MalformedSOD()
    digest_matches = hmac.compare_digest(
        bytes(message_digest.native), hashlib.new(digest_name, content).digest()
    )
    signing_time_value = values.get("1.2.840.113549.1.9.5")
    signing_time = signing_time_value.native if signing_time_value is not None else None

    kind, signature_hash, salt, mgf_hash = _signature_parameters(
        signer["signature_algorithm"], digest_name
    )
    return _SignedSod(
        hash_algorithm=hash_algorithm,
        dg_hashes=dg_hashes,
        signer_certificate=certificate,
        # What was signed is the attributes under the universal SET tag (RFC 5652 §5.4).
        signed_attributes=tlv.encode(0x31, attributes.contents),
        content_digest_matches=digest_matches,
        signature=bytes(signer["signature"].native),
        signature_kind=kind,
        signature_hash=signature_hash,
        pss_salt_length=salt,
        pss_mgf_hash=mgf_hash,
        signature_algorithm_name=f"{kind}-{signature_hash}",
        signing_time=signing_time,
    )


def _signer_certificate(signed: cms.SignedData, signer: cms.SignerInfo) -> x509.Certificate:
    sid = signer["sid"]
    for choice in signed["certificates"] or []:
        if choice.name != "certificate":
            continue
        candidate = choice.chosen
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            matches = (candidate.issuer == wanted["issuer"]
                       and candidate.serial_number == wanted["serial_number"].native)
        else:
            matches = candidate.key_identifier == sid.chosen.native
        if matches:
            certificate = x509.load_der_x509_certificate(candidate.dump())
            # Parse now what is used later, so a damaged certificate is a MalformedSOD.
            certificate.public_key()
            _ = (certificate.subject, certificate.issuer, certificate.extensions,
                 certificate.not_valid_before_utc, certificate.not_valid_after_utc)
            return certificate
    raise MalformedSOD(
        "the card's security object does not contain its document signer certificate; "
        "the card cannot be verified here",
        "Vùng dữ liệu bảo mật của thẻ thiếu chứng thư của đơn vị ký; không xác thực được thẻ",
    )


def _signature_parameters(
    algorithm: algos.SignedDigestAlgorithm, digest_name: str
) -> tuple[str, str, int, str]:
    oid = algorithm["algorithm"].dotted
    if oid in _ECDSA_PLAIN:
        return "ecdsa_plain", _ECDSA_PLAIN[oid], 0, ""
    if oid == _EC_PUBLIC_KEY:
        return "ecdsa", digest_name, 0, ""
    kind = algorithm.signature_algo
    if kind == "rsassa_pss":
        params = algorithm["parameters"]
        hash_name = params["hash_algorithm"]["algorithm"].native
        mgf = params["mask_gen_algorithm"]
        if mgf["algorithm"].native != "mgf1":
            raise MalformedSOD()
        mgf_hash = mgf["parameters"]["algorithm"].native
        salt = int(params["salt_length"].native)
        if hash_name not in _SUPPORTED_HASHES or mgf_hash not in _SUPPORTED_HASHES:
            raise MalformedSOD()
        return kind, hash_name, salt, mgf_hash
    if kind not in ("ecdsa", "rsassa_pkcs1v15"):
        raise MalformedSOD("the card's security object uses a signature algorithm this "
                           "station does not support")
    try:
        hash_name = algorithm.hash_algo
    except ValueError:  # bare "ecdsa"/"rsaEncryption": the hash is the digest algorithm
        hash_name = digest_name
    if hash_name not in _SUPPORTED_HASHES:
        raise MalformedSOD()
    return kind, hash_name, 0, ""


# ------------------------------------------------------------------ certificate chain


def _verify_document_signer(
    signer: x509.Certificate, trust_store: TrustStore, now: datetime
) -> x509.Certificate:
    issuer = None
    for candidate in trust_store.issuer_candidates(signer):
        try:
            signer.verify_directly_issued_by(candidate)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            continue
        issuer = candidate
        break
    if issuer is None:
        raise UnknownCSCA()
    for certificate, which in ((signer, "document signer"), (issuer, "CSCA")):
        if now < certificate.not_valid_before_utc:
            raise CertificateNotYetValid(which)
        if now > certificate.not_valid_after_utc:
            raise CertificateExpired(which)
    key_usage = _extension(signer, x509.KeyUsage)
    if key_usage is None or not key_usage.digital_signature:
        raise CertificateUnsuitable()
    return issuer


def _may_issue_certificates(certificate: x509.Certificate) -> bool:
    constraints = _extension(certificate, x509.BasicConstraints)
    if constraints is None or not constraints.ca:
        return False
    key_usage = _extension(certificate, x509.KeyUsage)
    return key_usage is None or key_usage.key_cert_sign


def _authority_key_id(certificate: x509.Certificate) -> bytes | None:
    extension = _extension(certificate, x509.AuthorityKeyIdentifier)
    return extension.key_identifier if extension is not None else None


def _subject_key_id(certificate: x509.Certificate) -> bytes | None:
    extension = _extension(certificate, x509.SubjectKeyIdentifier)
    return extension.digest if extension is not None else None


def _extension(certificate: x509.Certificate, kind: type[_Ext]) -> _Ext | None:
    try:
        return certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
    except ValueError:  # a malformed extension counts as absent
        return None


# ------------------------------------------------------------------ SOD signature


def _verify_sod_signature(sod: _SignedSod) -> None:
    if not sod.content_digest_matches:
        raise SignatureInvalid()
    key = sod.signer_certificate.public_key()
    hash_algorithm = _CRYPTO_HASHES[sod.signature_hash]()
    signature = sod.signature
    try:
        if sod.signature_kind in ("ecdsa", "ecdsa_plain"):
            if not isinstance(key, ec.EllipticCurvePublicKey):
                raise SignatureInvalid()
            if sod.signature_kind == "ecdsa_plain":
                signature = _plain_to_der(signature)
            key.verify(signature, sod.signed_attributes, ec.ECDSA(hash_algorithm))
        else:
            if not isinstance(key, rsa.RSAPublicKey):
                raise SignatureInvalid()
            if sod.signature_kind == "rsassa_pss":
                pad: padding.AsymmetricPadding = padding.PSS(
                    mgf=padding.MGF1(_CRYPTO_HASHES[sod.pss_mgf_hash]()),
                    salt_length=sod.pss_salt_length,
                )
            else:
                pad = padding.PKCS1v15()
            key.verify(signature, sod.signed_attributes, pad, hash_algorithm)
    except (InvalidSignature, ValueError):
        raise SignatureInvalid() from None


def _plain_to_der(signature: bytes) -> bytes:
    if not signature or len(signature) % 2:
        raise InvalidSignature()
    half = len(signature) // 2
    return encode_dss_signature(
        int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    )

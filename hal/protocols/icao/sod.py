"""EF.SOD — the Document Security Object (ICAO 9303-10 §4.6.2, 9303-11 §5.1.1).

EF.SOD is tag 77 around a CMS ContentInfo of type SignedData (version 3) whose
encapsulated content (eContentType 2.23.136.1.1.1) is the DER LDSSecurityObject::

    LDSSecurityObject ::= SEQUENCE {
        version            INTEGER (v0 | v1),
        hashAlgorithm      AlgorithmIdentifier,
        dataGroupHashValues SEQUENCE OF DataGroupHash,
        ldsVersionInfo     LDSVersionInfo OPTIONAL }   -- v1 only
    DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER, dataGroupHashValue OCTET STRING }

ASN.1 is handled by ``asn1crypto`` (its ``cms`` module has SignedData; the LDS types are
defined below without touching asn1crypto's global OID registries). This module builds a
SOD (for the simulated chips) and parses one (DG hashes, signer certificate, signed
attributes). Verifying the signature chain — passive authentication — is the identity
layer's job; :func:`parse_sod` only checks that the structure is well formed and that the
signed messageDigest matches the content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import algos, cms, core, x509

from hal.errors import ProtocolError
from hal.protocols.icao import tlv
from hal.protocols.icao.datagroups import TAG_SOD

LDS_SECURITY_OBJECT_OID = "2.23.136.1.1.1"
_HASHES = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512,
           "sha1": hashlib.sha1, "sha224": hashlib.sha224}


class DataGroupHash(core.Sequence):
    _fields = [
        ("data_group_number", core.Integer),
        ("data_group_hash_value", core.OctetString),
    ]


class DataGroupHashValues(core.SequenceOf):
    _child_spec = DataGroupHash


class LdsVersionInfo(core.Sequence):
    _fields = [
        ("lds_version", core.PrintableString),
        ("unicode_version", core.PrintableString),
    ]


class LdsSecurityObject(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LdsVersionInfo, {"optional": True}),
    ]


@dataclass(frozen=True)
class Sod:
    """The parts of an EF.SOD a reader needs."""

    hash_algorithm: str
    dg_hashes: dict[int, bytes]
    signer_certificate: bytes  # DER
    signed_attributes: bytes  # DER of the SET OF attributes, as signed
    signature: bytes
    signature_algorithm: str
    encapsulated_content: bytes  # DER LDSSecurityObject
    signing_time: datetime | None

    def hash_of(self, data: bytes) -> bytes:
        """Hash ``data`` with the SOD's algorithm (to compare with :attr:`dg_hashes`)."""
        return _HASHES[self.hash_algorithm](data).digest()


def build_lds_security_object(dg_files: dict[int, bytes], hash_algorithm: str = "sha256") -> bytes:
    """DER LDSSecurityObject (v0) with the hash of every data group file."""
    digest = _HASHES[hash_algorithm]
    lds = LdsSecurityObject(
        {
            "version": 0,
            "hash_algorithm": {"algorithm": hash_algorithm},
            "data_group_hash_values": [
                {"data_group_number": n, "data_group_hash_value": digest(dg_files[n]).digest()}
                for n in sorted(dg_files)
            ],
        }
    )
    return lds.dump()


def build_sod(
    dg_files: dict[int, bytes],
    signer_certificate_der: bytes,
    sign: Callable[[bytes], bytes],
    *,
    signature_algorithm: str = "sha256_ecdsa",
    hash_algorithm: str = "sha256",
    signing_time: datetime | None = None,
) -> bytes:
    """EF.SOD bytes: tag 77 + ContentInfo(SignedData v3) over the LDSSecurityObject.

    ``sign(data)`` returns the signature over ``data`` (the DER signed attributes) with the
    document signer's private key, using ``signature_algorithm`` (asn1crypto name, e.g.
    ``sha256_ecdsa`` or ``sha256_rsa``).
    """
    content = build_lds_security_object(dg_files, hash_algorithm)
    certificate = x509.Certificate.load(signer_certificate_der)
    attributes = [
        {"type": "content_type", "values": [LDS_SECURITY_OBJECT_OID]},
        {"type": "message_digest", "values": [_HASHES[hash_algorithm](content).digest()]},
    ]
    if signing_time is not None:
        attributes.append({"type": "signing_time", "values": [cms.Time({"utc_time": signing_time})]})
    signed_attrs = cms.CMSAttributes(attributes)
    signature = sign(signed_attrs.dump())
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": {
                        "issuer": certificate.issuer,
                        "serial_number": certificate.serial_number,
                    }
                }
            ),
            "digest_algorithm": {"algorithm": hash_algorithm},
            "signed_attrs": signed_attrs,
            "signature_algorithm": {"algorithm": signature_algorithm},
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": hash_algorithm}],
            "encap_content_info": {
                "content_type": LDS_SECURITY_OBJECT_OID,
                "content": core.ParsableOctetString(content),
            },
            "certificates": [certificate],
            "signer_infos": [signer_info],
        }
    )
    info = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return tlv.encode(TAG_SOD, info.dump())


def parse_sod(data: bytes) -> Sod:
    """Parse EF.SOD; anything malformed is a :class:`ProtocolError`."""
    outer = tlv.decode_single(data, TAG_SOD)
    try:
        return _parse_content_info(outer.value)
    except ProtocolError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise ProtocolError(f"EF.SOD is not a valid SignedData ({type(exc).__name__})") from None


def _parse_content_info(der: bytes) -> Sod:
    info = cms.ContentInfo.load(der, strict=True)
    if info["content_type"].native != "signed_data":
        raise ProtocolError("EF.SOD does not hold SignedData")
    signed = info["content"]
    if signed["version"].native != "v3":
        raise ProtocolError("EF.SOD SignedData is not version 3")
    encap = signed["encap_content_info"]
    if encap["content_type"].dotted != LDS_SECURITY_OBJECT_OID:
        raise ProtocolError("EF.SOD content is not an LDSSecurityObject")
    content = encap["content"].contents if encap["content"].native is not None else b""
    lds = LdsSecurityObject.load(content, strict=True)
    algorithm = lds["hash_algorithm"]["algorithm"].native
    if algorithm not in _HASHES:
        raise ProtocolError("EF.SOD uses an unsupported hash algorithm")
    hashes = {
        int(item["data_group_number"].native): bytes(item["data_group_hash_value"].native)
        for item in lds["data_group_hash_values"]
    }
    signer_infos = signed["signer_infos"]
    certificates = signed["certificates"]
    if len(signer_infos) != 1 or not certificates or len(certificates) < 1:
        raise ProtocolError("EF.SOD must hold one signer and its certificate")
    signer = signer_infos[0]
    certificate = certificates[0].chosen
    attrs = signer["signed_attrs"]
    if not attrs:
        raise ProtocolError("EF.SOD signer has no signed attributes")
    by_type = {attr["type"].native: attr["values"] for attr in attrs}
    if "message_digest" not in by_type or "content_type" not in by_type:
        raise ProtocolError("EF.SOD signed attributes lack content type or message digest")
    if by_type["content_type"][0].dotted != LDS_SECURITY_OBJECT_OID:
        raise ProtocolError("EF.SOD signed content type does not match")
    if by_type["message_digest"][0].native != _HASHES[algorithm](content).digest():
        raise ProtocolError("EF.SOD message digest does not match its content")
    signing_time = by_type["signing_time"][0].native if "signing_time" in by_type else None
    # What was signed is the same contents under the universal SET tag (RFC 5652 §5.4).
    signed_attrs_der = tlv.encode(0x31, attrs.contents)
    return Sod(
        hash_algorithm=algorithm,
        dg_hashes=hashes,
        signer_certificate=certificate.dump(),
        signed_attributes=signed_attrs_der,
        signature=bytes(signer["signature"].native),
        signature_algorithm=signer["signature_algorithm"]["algorithm"].native,
        encapsulated_content=content,
        signing_time=signing_time,
    )

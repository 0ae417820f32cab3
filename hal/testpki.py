"""A test PKI for simulated chip ID cards: a test CSCA and a document signer under it.

NOT FOR PRODUCTION: the private keys are derived from a public seed, so anyone can forge
documents "signed" by this PKI. The certificates say so in their names. The station's
trust store must never contain this CSCA outside demos and tests.

Keys are ECDSA P-256 derived deterministically from ``seed`` (same seed → same keys and
subjects); the certificates themselves differ per generation because ECDSA signatures are
randomised. Pass ``directory`` to cache the material as PEM files and reuse it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DEFAULT_SEED = b"citizen-station test PKI - not for production"
_CURVE = ec.SECP256R1()
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_NOT_BEFORE = datetime(2020, 1, 1, tzinfo=UTC)
_CSCA_NOT_AFTER = datetime(2050, 1, 1, tzinfo=UTC)
_DS_NOT_AFTER = datetime(2045, 1, 1, tzinfo=UTC)
_FILES = ("csca-cert.pem", "csca-key.pem", "ds-cert.pem", "ds-key.pem")


@dataclass(frozen=True)
class PkiMaterial:
    """Test CSCA and document signer: certificates and private keys."""

    csca_certificate: x509.Certificate
    csca_key: ec.EllipticCurvePrivateKey
    signer_certificate: x509.Certificate
    signer_key: ec.EllipticCurvePrivateKey

    def sign(self, data: bytes) -> bytes:
        """ECDSA-SHA256 signature by the document signer (for :func:`sod.build_sod`)."""
        return self.signer_key.sign(data, ec.ECDSA(hashes.SHA256()))

    @property
    def signer_certificate_der(self) -> bytes:
        return self.signer_certificate.public_bytes(serialization.Encoding.DER)


def _derive_key(seed: bytes, label: str) -> ec.EllipticCurvePrivateKey:
    scalar = int.from_bytes(hashlib.sha512(seed + b"/" + label.encode()).digest(), "big")
    return ec.derive_private_key(scalar % (_P256_ORDER - 1) + 1, _CURVE)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Citizen Station TEST"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _serial(seed: bytes, label: str) -> int:
    return int.from_bytes(hashlib.sha256(seed + label.encode()).digest()[:8], "big") | 1


def generate_test_pki(seed: bytes = DEFAULT_SEED) -> PkiMaterial:
    """Create the test CSCA (self-signed CA) and a document signer certificate issued by it."""
    csca_key = _derive_key(seed, "csca")
    signer_key = _derive_key(seed, "document-signer")
    csca_name = _name("TEST CSCA Viet Nam - NOT FOR PRODUCTION")
    csca_ski = x509.SubjectKeyIdentifier.from_public_key(csca_key.public_key())
    csca = (
        x509.CertificateBuilder()
        .subject_name(csca_name)
        .issuer_name(csca_name)
        .public_key(csca_key.public_key())
        .serial_number(_serial(seed, "csca"))
        .not_valid_before(_NOT_BEFORE)
        .not_valid_after(_CSCA_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(csca_ski, critical=False)
        .sign(csca_key, hashes.SHA256())
    )
    signer = (
        x509.CertificateBuilder()
        .subject_name(_name("TEST Document Signer - NOT FOR PRODUCTION"))
        .issuer_name(csca_name)
        .public_key(signer_key.public_key())
        .serial_number(_serial(seed, "document-signer"))
        .not_valid_before(_NOT_BEFORE)
        .not_valid_after(_DS_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(csca_ski), critical=False
        )
        .sign(csca_key, hashes.SHA256())
    )
    return PkiMaterial(csca, csca_key, signer, signer_key)


def load_or_create_test_pki(directory: str | os.PathLike | None = None,
                            seed: bytes = DEFAULT_SEED) -> PkiMaterial:
    """The test PKI cached in ``directory`` (created there on first use); no cache if None."""
    if directory is None:
        return generate_test_pki(seed)
    folder = Path(directory)
    paths = [folder / name for name in _FILES]
    if all(path.exists() for path in paths):
        csca_pem, csca_key_pem, ds_pem, ds_key_pem = (path.read_bytes() for path in paths)
        csca_key = serialization.load_pem_private_key(csca_key_pem, None)
        ds_key = serialization.load_pem_private_key(ds_key_pem, None)
        assert isinstance(csca_key, ec.EllipticCurvePrivateKey)
        assert isinstance(ds_key, ec.EllipticCurvePrivateKey)
        return PkiMaterial(
            x509.load_pem_x509_certificate(csca_pem), csca_key,
            x509.load_pem_x509_certificate(ds_pem), ds_key,
        )
    pki = generate_test_pki(seed)
    folder.mkdir(parents=True, exist_ok=True)
    key_format = (serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                  serialization.NoEncryption())
    contents = (
        pki.csca_certificate.public_bytes(serialization.Encoding.PEM),
        pki.csca_key.private_bytes(*key_format),
        pki.signer_certificate.public_bytes(serialization.Encoding.PEM),
        pki.signer_key.private_bytes(*key_format),
    )
    for path, data in zip(paths, contents, strict=True):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    return pki

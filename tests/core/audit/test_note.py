"""C2SP signed notes and checkpoints: known answers, Go interoperability, malformed input."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.audit.canonical import parse_canonical
from core.audit.merkle import (
    DictNodeStore,
    append_leaves,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
)
from core.audit.note import (
    Checkpoint,
    InvalidSignatureError,
    NoteError,
    NoteFormatError,
    NoteSignature,
    NoteSigner,
    NoteVerificationError,
    UnverifiedNoteError,
    VerifierKey,
    format_checkpoint,
    key_id,
    open_checkpoint,
    parse_checkpoint,
    parse_note,
    parse_signer_key,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
    verify_note,
)

# --------------------------------------------------------------- known-answer test
# Seed 00 01 .. 1f. Pinned once from this code and cross-checked with OpenSSL 3.0
# (`openssl pkeyutl -sign -rawin` / `-verify`) and sha256sum; the same values and the shell
# commands that reproduce them are in docs/audit-format.md section 7.

KAT_NAME = "station.example/hn-01"
KAT_SEED = bytes(range(32))
KAT_PUBLIC_KEY = bytes.fromhex("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8")
KAT_VERIFIER_KEY = "station.example/hn-01+b7261e49+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
KAT_SIGNER_KEY = (
    "PRIVATE+KEY+station.example/hn-01+b7261e49+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f"
)
KAT_ROOT = base64.b64decode("zRYKwovz1+NSHFbI11lvhPj48Ja0dNRySRf4HRrWElU=")
KAT_BODY = "station.example/hn-01\n3\nzRYKwovz1+NSHFbI11lvhPj48Ja0dNRySRf4HRrWElU=\n"
KAT_NOTE = (
    KAT_BODY + "\n"
    "\u2014 station.example/hn-01 tyYeSTNPj9oK7Wwp7m8tw8VWrExg5sh0M0BZ3LU8wldh9WC4Q9mOzWkRFW6i40+"
    "fBINhCczUZeqAcmYpqgafC4XfvwU=\n"
)
# The three leaves of the worked example in docs/audit-format.md section 7.
DOC_LEAVES = [
    b'{"action":"login","actor":"staff:1","outcome":"ok","time":1767225600}',
    b'{"action":"payment.confirm","actor":"citizen:8f3a","outcome":"ok","time":1767225660}',
    b'{"action":"logout","actor":"staff:1","outcome":"ok","time":1767225720}',
]


def kat_signer() -> NoteSigner:
    return NoteSigner.from_seed(KAT_NAME, KAT_SEED)


def test_fixed_seed_gives_the_pinned_verifier_key() -> None:
    signer = kat_signer()
    assert signer.verifier_key.public_key == KAT_PUBLIC_KEY
    assert signer.key_id == 0xB7261E49 == key_id(KAT_NAME, KAT_PUBLIC_KEY)
    assert signer.verifier_key.encode() == KAT_VERIFIER_KEY
    assert str(signer.verifier_key) == KAT_VERIFIER_KEY


def test_fixed_seed_signs_the_checkpoint_to_the_pinned_note() -> None:
    checkpoint = Checkpoint(KAT_NAME, 3, KAT_ROOT)
    assert format_checkpoint(checkpoint) == KAT_BODY
    assert sign_checkpoint(checkpoint, kat_signer()) == KAT_NOTE


def test_documented_example_leaves_give_the_pinned_root_and_proofs() -> None:
    for leaf in DOC_LEAVES:
        parse_canonical(leaf)
    hashes = [leaf_hash(leaf) for leaf in DOC_LEAVES]
    store = DictNodeStore()
    assert append_leaves(store, 0, hashes).root == KAT_ROOT
    assert KAT_ROOT.hex() == "cd160ac28bf3d7e3521c56c8d7596f84f8f8f096b474d4724917f81d1ad61255"
    assert inclusion_proof(store, 1, 3) == [hashes[0], hashes[2]]
    assert consistency_proof(store, 2, 3) == [hashes[2]]


def test_pinned_note_opens_with_the_pinned_verifier_key() -> None:
    checkpoint = open_checkpoint(KAT_NOTE, [parse_verifier_key(KAT_VERIFIER_KEY)])
    assert checkpoint == Checkpoint(KAT_NAME, 3, KAT_ROOT)


def test_signer_key_text_round_trips_and_hides_the_key_in_repr() -> None:
    signer = kat_signer()
    assert signer.encode_secret() == KAT_SIGNER_KEY
    assert parse_signer_key(KAT_SIGNER_KEY).verifier_key == signer.verifier_key
    assert "AQAB" not in repr(signer) and "private" not in repr(signer)


# -------------------------------------------------------- golang.org/x/mod/sumdb/note
# Test keys and the signed note published in golang.org/x/mod/sumdb/note/note_test.go
# (TestNewVerifier, TestSign, TestOpen), BSD-style licence, The Go Authors.

GO_PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_PETER_SIG = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqf"
    "qdngotpRZb6KE6RyyBwJnAM=\n"
)
GO_ENOCH_SIG = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnW"
    "Lox33WWd1RvMc+QQ=\n"
)


def signature_from(line: str) -> NoteSignature:
    return parse_note(GO_TEXT + "\n" + line).signatures[0]


def corrupt(line: str) -> str:
    """Insert ``ABCD`` 60 bytes into the line, as Go's TestOpen does."""
    raw = line.encode()
    return (raw[:60] + b"ABCD" + raw[60:]).decode()


def test_go_verifier_key_parses_to_its_name_and_id() -> None:
    key = parse_verifier_key(GO_PETER_VKEY)
    assert (key.name, key.key_id) == ("PeterNeumann", 0xC74F20A3)
    assert key.encode() == GO_PETER_VKEY


def test_go_signer_key_signs_exactly_like_go() -> None:
    signer = parse_signer_key(GO_PETER_SKEY)
    assert signer.verifier_key.encode() == GO_PETER_VKEY
    assert sign_note(GO_TEXT, signer) == GO_TEXT + "\n" + GO_PETER_SIG


def test_go_note_verifies_with_one_known_key_and_keeps_the_other_aside() -> None:
    note = verify_note(
        GO_TEXT + "\n" + GO_PETER_SIG + GO_ENOCH_SIG, [parse_verifier_key(GO_PETER_VKEY)]
    )
    assert note.text == GO_TEXT
    assert note.verified == (signature_from(GO_PETER_SIG),)
    assert note.unverified == (signature_from(GO_ENOCH_SIG),)
    assert note.verified[0].key_id == 0xC74F20A3


def test_go_note_verifies_with_both_keys_known() -> None:
    keys = [parse_verifier_key(GO_PETER_VKEY), parse_verifier_key(GO_ENOCH_VKEY)]
    note = verify_note(GO_TEXT + "\n" + GO_PETER_SIG + GO_ENOCH_SIG, keys)
    assert [s.name for s in note.verified] == ["PeterNeumann", "EnochRoot"]
    assert note.unverified == ()


def test_go_note_without_a_known_key_is_unverified_but_parsed() -> None:
    with pytest.raises(UnverifiedNoteError, match="no signature from a known key") as caught:
        verify_note(GO_TEXT + "\n" + GO_PETER_SIG + GO_ENOCH_SIG, [])
    assert len(caught.value.note.signatures) == 2


def test_go_note_with_a_corrupted_known_signature_is_rejected() -> None:
    with pytest.raises(InvalidSignatureError, match=r"PeterNeumann\+c74f20a3"):
        verify_note(GO_TEXT + "\n" + corrupt(GO_PETER_SIG), [parse_verifier_key(GO_PETER_VKEY)])


def test_go_note_repeated_signatures_are_dropped_and_bad_unknown_ones_ignored() -> None:
    message = (
        GO_TEXT
        + "\n"
        + GO_PETER_SIG
        + GO_PETER_SIG
        + GO_ENOCH_SIG
        + GO_ENOCH_SIG
        + corrupt(GO_ENOCH_SIG)
    )
    note = verify_note(message, [parse_verifier_key(GO_PETER_VKEY)])
    assert len(note.verified) == 1
    assert note.unverified == (signature_from(GO_ENOCH_SIG), signature_from(corrupt(GO_ENOCH_SIG)))


def test_go_note_with_too_many_signatures_is_malformed() -> None:
    with pytest.raises(NoteFormatError, match="more than 100 signatures"):
        verify_note(GO_TEXT + "\n" + GO_PETER_SIG * 101, [parse_verifier_key(GO_PETER_VKEY)])


@pytest.mark.parametrize(
    "message",
    [
        GO_TEXT,
        GO_TEXT + "\n",
        GO_TEXT + "\n" + GO_PETER_SIG[:-1],
        "\x01" + GO_TEXT + "\n" + GO_PETER_SIG,
        GO_TEXT
        + "\n"
        + "\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        GO_TEXT + "\n" + GO_PETER_SIG + "Unexpected line.\n",
    ],
    ids=[
        "no-signatures",
        "blank-line-only",
        "no-final-newline",
        "control-char",
        "bad-name",
        "trailing-line",
    ],
)
def test_go_malformed_notes_are_rejected(message: str) -> None:
    with pytest.raises(NoteFormatError):
        verify_note(message, [parse_verifier_key(GO_PETER_VKEY)])


def test_invalid_utf8_note_is_rejected() -> None:
    with pytest.raises(NoteFormatError, match="UTF-8"):
        parse_note(b"\xff" + (GO_TEXT + "\n" + GO_PETER_SIG).encode())


def go_key_manglings() -> list[str]:
    """Every proper substring and every one-character increment of the Go key."""
    key = GO_PETER_VKEY
    substrings = {
        key[i:j]
        for i in range(len(key) + 1)
        for j in range(i + 1, len(key) + 1)
        if (i, j) != (0, len(key))
    }
    increments = {key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :] for i in range(len(key))}
    return sorted(substrings | increments)


def test_every_mangling_of_the_go_verifier_key_is_rejected() -> None:
    accepted = []
    for text in go_key_manglings():
        try:
            parse_verifier_key(text)
        except NoteFormatError:
            continue
        accepted.append(text)
    assert accepted == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", "32 bytes"),
        ("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "unknown algorithm"),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "look like"),
        ("PeterNeumann+c74f20a3+", "empty"),
    ],
)
def test_go_bad_verifier_keys_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(NoteFormatError, match=problem):
        parse_verifier_key(text)


def test_every_mangling_of_the_go_signer_key_is_rejected() -> None:
    key = GO_PETER_SKEY
    for i in range(len(key)):
        for mangled in (key[:i] + key[i + 1 :], key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :]):
            with pytest.raises(NoteFormatError):
                parse_signer_key(mangled)


def test_signer_key_errors_never_echo_the_seed() -> None:
    with pytest.raises(NoteFormatError) as caught:
        parse_signer_key(GO_PETER_SKEY.replace("c74f20a3", "c74f20a4"))
    assert "AYEKFALV" not in str(caught.value)


# ----------------------------------------------------------------------- signing


def test_signature_covers_the_text_including_its_final_newline() -> None:
    signer = kat_signer()
    note = sign_note("hello\n", signer)
    forged = note.replace("hello\n", "hellp\n", 1)
    verify_note(note, [signer.verifier_key])
    with pytest.raises(InvalidSignatureError):
        verify_note(forged, [signer.verifier_key])


def test_text_with_blank_lines_is_split_at_the_last_blank_line() -> None:
    signer = kat_signer()
    text = "first\n\nsecond\n\n"
    assert verify_note(sign_note(text, signer), [signer.verifier_key]).text == text


def test_several_signers_each_add_a_line() -> None:
    station, witness = kat_signer(), NoteSigner.from_seed("witness.example", b"\x07" * 32)
    note = sign_note("body\n", station, witness)
    assert note.count("\n\u2014 ") == 2
    assert len(verify_note(note, [witness.verifier_key]).verified) == 1


@pytest.mark.parametrize("text", ["no final newline", "bell\x07\n", "half \ud800\n"])
def test_text_that_cannot_become_a_note_is_refused_before_signing(text: str) -> None:
    with pytest.raises(NoteFormatError):
        sign_note(text, kat_signer())


def test_signing_needs_a_signer() -> None:
    with pytest.raises(NoteError, match="at least one signer"):
        sign_note("x\n")


@pytest.mark.parametrize("name", ["", "has space", "plus+sign", "tab\tname", "nbsp\u00a0name"])
def test_invalid_key_names_are_refused(name: str) -> None:
    with pytest.raises(NoteFormatError, match="key name"):
        NoteSigner.from_seed(name, KAT_SEED)


def test_a_key_with_the_same_name_but_another_id_is_treated_as_unknown() -> None:
    impostor = NoteSigner.from_seed(KAT_NAME, b"\x01" * 32)
    note = sign_note("x\n", impostor)
    with pytest.raises(UnverifiedNoteError):
        verify_note(note, [kat_signer().verifier_key])


def test_a_signature_with_a_matching_id_but_wrong_key_fails_loudly() -> None:
    # An attacker can grind a key id; the check still fails on the signature itself.
    real = kat_signer()
    forged_line = NoteSignature(KAT_NAME, real.key_id, b"\x00" * 64).line()
    with pytest.raises(InvalidSignatureError):
        verify_note("x\n\n" + forged_line, [real.verifier_key])


def test_two_different_known_keys_with_one_identity_are_refused() -> None:
    real = kat_signer().verifier_key
    clash = VerifierKey(real.name, real.key_id, b"\x02" * 32)
    with pytest.raises(NoteVerificationError, match="share the name and id"):
        verify_note(KAT_NOTE, [real, clash])


def test_a_known_key_listed_twice_is_not_ambiguous() -> None:
    key = kat_signer().verifier_key
    assert len(verify_note(KAT_NOTE, [key, key]).verified) == 1


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=20),
        min_size=1,
        max_size=5,
    ),
    st.binary(min_size=32, max_size=32),
)
def test_any_text_signed_verifies_and_tampering_fails(lines, seed) -> None:
    text = "".join(line + "\n" for line in lines)
    signer = NoteSigner.from_seed("prop.example", seed)
    note = sign_note(text, signer)
    assert verify_note(note, [signer.verifier_key]).text == text
    tampered = "x" + note
    with pytest.raises(InvalidSignatureError):
        verify_note(tampered, [signer.verifier_key])


# ---------------------------------------------------------------------- checkpoints


def test_checkpoint_with_extension_lines_round_trips() -> None:
    checkpoint = Checkpoint("example.com/log", 20852163, bytes(32), ["time 1767225600"])
    text = format_checkpoint(checkpoint)
    assert (
        text
        == "example.com/log\n20852163\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\ntime 1767225600\n"
    )
    assert parse_checkpoint(text) == checkpoint
    assert checkpoint.extensions == ("time 1767225600",)


def test_c2sp_example_checkpoint_body_parses() -> None:
    # The example in https://c2sp.org/tlog-checkpoint.
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    checkpoint = parse_checkpoint(text)
    assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
    assert checkpoint.root_hash.hex().startswith("0ac5186a")


def test_empty_tree_checkpoint_has_size_zero() -> None:
    assert parse_checkpoint("log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n").size == 0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("log\n3\n", "origin, a tree size and a root hash"),
        ("log\n3\nLP73YnWX4AtWSXV3Stco7yEHBnWfym1kE4xt/By/LNo=", "end with a newline"),
        ("\n3\nLP73YnWX4AtWSXV3Stco7yEHBnWfym1kE4xt/By/LNo=\n", "origin line is empty"),
        ("log\n03\nLP73YnWX4AtWSXV3Stco7yEHBnWfym1kE4xt/By/LNo=\n", "no leading zero"),
        ("log\n-3\nLP73YnWX4AtWSXV3Stco7yEHBnWfym1kE4xt/By/LNo=\n", "decimal"),
        ("log\n\u0663\nLP73YnWX4AtWSXV3Stco7yEHBnWfym1kE4xt/By/LNo=\n", "decimal"),
        ("log\n3\nLP73YnWX4AtWSXV3Stco7yEHBnWfym1kE4xt/By/LNo\n", "base64"),
        ("log\n3\nLP73YnWX4AtWSXV3Stco7yEHBnWfym1kE4xt/By/LNp=\n", "base64 of 32 bytes"),
        ("log\n3\nAAAA\n", "32 bytes"),
        ("log\n3\nLP73YnWX4AtWSXV3Stco7yEHBnWfym1kE4xt/By/LNo=\n\n", "extension lines"),
        ("log\n3\nLP73YnWX4AtWSXV3Stco7yEHBnWfym1kE4xt/By/LNo=\r\n", "control character"),
    ],
)
def test_malformed_checkpoints_say_which_line_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(NoteFormatError, match=problem):
        parse_checkpoint(text)


@pytest.mark.parametrize(
    "checkpoint",
    [
        Checkpoint("two\nlines", 1, bytes(32)),
        Checkpoint("log", -1, bytes(32)),
        Checkpoint("log", 1, bytes(31)),
        Checkpoint("log", 1, bytes(32), ("",)),
        Checkpoint("", 1, bytes(32)),
    ],
)
def test_checkpoints_that_cannot_be_written_faithfully_are_refused(checkpoint) -> None:
    with pytest.raises(NoteFormatError):
        format_checkpoint(checkpoint)


def test_checkpoint_for_another_log_is_refused_when_the_origin_is_pinned() -> None:
    key = parse_verifier_key(KAT_VERIFIER_KEY)
    assert open_checkpoint(KAT_NOTE, [key], origin=KAT_NAME).size == 3
    with pytest.raises(NoteVerificationError, match="expected 'other.example/log'"):
        open_checkpoint(KAT_NOTE, [key], origin="other.example/log")


def test_note_errors_are_audit_errors_and_format_errors_are_user_errors() -> None:
    from core.audit.merkle import AuditError

    assert issubclass(NoteError, AuditError)
    assert NoteFormatError.http_status == 400

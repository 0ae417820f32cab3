"""Read-aloud: the page's main instructions spoken by espeak-ng, offline.

espeak-ng (Debian package ``espeak-ng``) has Vietnamese and English voices and writes a WAV
to stdout. It runs as a subprocess without a shell, with a timeout, on text of bounded
length; answers are kept in a small in-memory cache because every citizen hears the same
instructions. Without espeak-ng the kiosk hides the button and /healthz says so.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import threading
import time
from collections import OrderedDict

#: The longest text read aloud (the page's heading and lead paragraph fit easily).
MAX_CHARS = 800
#: espeak-ng voice per kiosk language.
VOICES = {"vi": "vi", "en": "en"}
TIMEOUT_SECONDS = 10.0
CACHE_SIZE = 64


class SpeechError(Exception):
    """The text cannot be read aloud; the message says why (shown to the citizen)."""


class SpeechUnavailable(SpeechError):
    """No text-to-speech engine on this station."""


_cache: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


#: How long the answer of :func:`engine` is reused: every kiosk page asks (it shows the button or
#: not), and looking the program up in PATH is eight ``stat`` calls, a tenth of the page's time.
ENGINE_RECHECK_SECONDS = 60.0
_engine: tuple[float, str | None] | None = None


def engine() -> str | None:
    """Path of the espeak-ng program, or None when it is not installed (re-checked each minute)."""
    global _engine
    now = time.monotonic()
    if _engine is None or now - _engine[0] > ENGINE_RECHECK_SECONDS:
        _engine = (now, shutil.which("espeak-ng"))
    return _engine[1]


def clean_text(text: str) -> str:
    """The text to speak: whitespace collapsed, control characters dropped; refuses empty or long text."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in text or "").split())
    if not cleaned:
        raise SpeechError("empty")
    if len(cleaned) > MAX_CHARS:
        raise SpeechError("too_long")
    return cleaned


def render_wav(text: str, lang: str) -> bytes:
    """A RIFF/WAVE of ``text`` read in ``lang`` ("vi" or "en"), from the cache when heard before."""
    if lang not in VOICES:
        raise SpeechError("language")
    cleaned = clean_text(text)
    program = engine()
    if program is None:
        raise SpeechUnavailable("no espeak-ng")
    key = hashlib.sha256(f"{lang}\0{cleaned}".encode()).hexdigest()
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        done = subprocess.run([program, "-v", VOICES[lang], "-s", "140", "--stdout", "--stdin"],
                              input=cleaned.encode(), capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpeechUnavailable(type(exc).__name__) from None
    if done.returncode != 0 or not done.stdout.startswith(b"RIFF"):
        raise SpeechUnavailable(f"espeak-ng exit {done.returncode}")
    wav = fix_wav_sizes(done.stdout)
    with _lock:
        _cache[key] = wav
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return wav


def fix_wav_sizes(wav: bytes) -> bytes:
    """espeak-ng writes to a pipe, so it cannot go back to fill in the RIFF and data sizes: fill them."""
    out = bytearray(wav)
    out[4:8] = (len(out) - 8).to_bytes(4, "little")
    at = out.find(b"data", 12)
    if at > 0:
        out[at + 4:at + 8] = (len(out) - at - 8).to_bytes(4, "little")
    return bytes(out)


def state() -> str:
    """``on`` or ``off: ...`` for /healthz."""
    return "on" if engine() else "off: espeak-ng is not installed (apt-get install espeak-ng)"

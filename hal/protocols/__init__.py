"""Pure encode/decode of each device's wire format: bytes in, values out, no I/O.

Every decoder raises only :class:`hal.errors.ProtocolError` on malformed input.
"""

"""ICAO 9303 eMRTD (chip ID card) protocol pieces — pure encode/decode, no I/O.

``mrz`` (TD1 machine readable zone), ``tlv`` (BER-TLV), ``apdu`` (ISO 7816-4),
``bac`` (Basic Access Control key derivation and mutual authentication),
``secure_messaging`` (3DES secure messaging), ``datagroups`` (EF.COM, DG1, DG2, DG13),
``sod`` (EF.SOD / LDSSecurityObject) and ``reader_frame`` (the host ↔ reader serial framing).
"""

"""Payments: one service for every plugin (ARCHITECTURE section 6).

``vietqr`` encodes and decodes VietQR (EMVCo merchant-presented QR, NAPAS 247) payloads as pure
functions; ``qr_render`` draws a payload as an SVG or PNG QR code for the kiosk screen.
"""

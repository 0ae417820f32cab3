"""The fleet hub: a separate, stateless Flask service on PostgreSQL that stations report to.

Stations enrol with a one-time code, then sign every request (RFC 9421, Ed25519) with the
key that signs their audit checkpoints. The hub stores their heartbeats, witnesses their
audit logs (C2SP tlog-witness) and shows the fleet to staff. See ``docs/fleet.md``.
"""

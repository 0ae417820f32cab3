"""Tamper-evident audit log: RFC 6962 Merkle tree, canonical leaves, signed checkpoints."""

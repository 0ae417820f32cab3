"""Personal data protection (Law 91/2025/QH15, Decree 13/2023/ND-CP): envelope encryption of
sensitive fields with per-citizen data keys, the consent ledger, the access log, data-subject
export and erasure (crypto-shredding) and retention purges. See ``docs/privacy.md``."""

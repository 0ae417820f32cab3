"""Accurate-clean-live: compare what partner systems hold about a citizen with the chip card."""

"""Backup and verified restore of a station's database (``station backup``, ``station restore``)."""

"""Tools for plugin authors: ``station plugin new`` (scaffold) and ``station plugin check``."""

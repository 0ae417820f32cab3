"""The station manager console, a built-in feature on the plugin contract.

``web`` (the ``/console`` blueprint and its overview), one module per section (``plugins``,
``devices``, ``audit``, ``usage``, ``settings``), ``access`` (the ``console.*`` permissions
declared in ``manifest.toml``), ``charts`` and ``usage_stats`` (pure figure-making).
"""

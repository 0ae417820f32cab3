"""The station's side of the fleet hub: enrolment, signed requests, the outbox, witnessing.

See ``docs/fleet.md``. The hub itself is the separate ``hub`` package; the two share only
the wire formats defined here (:mod:`core.fleet.httpsig`) and in :mod:`core.audit`.
"""

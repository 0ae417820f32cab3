"""The TUF repository over HTTP (stateless: every answer comes from PostgreSQL).

``GET /tuf/metadata/timestamp.json`` and ``/tuf/metadata/<version>.<role>.json`` (consistent
snapshots), ``GET /tuf/targets/plugins/<publisher>/<sha256>.<wheel>`` — the layout python-tuf's
``ngclient`` asks for. Anyone may read them: the signatures, not the transport, are what a
station trusts.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort

from hub.supply.repository import metadata_body, target_body

tuf_api = Blueprint("hub_tuf", __name__)
VERSIONED = re.compile(r"^(?P<version>[1-9][0-9]{0,9})\.(?P<role>[a-z][a-z0-9-]{0,63})\.json$")
TARGET = re.compile(r"^(?P<dir>plugins/[a-z][a-z0-9-]{1,40})/(?P<sha>[0-9a-f]{64})\.(?P<name>[A-Za-z0-9_.+!-]{1,200})$")


@tuf_api.get("/tuf/metadata/<name>")
def metadata(name: str) -> Response:
    """One role's metadata: the newest timestamp, or a given version of any other role."""
    if name == "timestamp.json":
        body = metadata_body("timestamp", None)
        cache = "no-cache"
    else:
        match = VERSIONED.match(name)
        if match is None:
            abort(404)
        body = metadata_body(match.group("role"), int(match.group("version")))
        cache = "public, max-age=31536000, immutable"  # a version never changes
    if body is None:
        abort(404)
    return Response(body, content_type="application/json", headers={"Cache-Control": cache})


@tuf_api.get("/tuf/targets/<path:path>")
def target(path: str) -> Response:
    """A published wheel, named by its SHA-256 (immutable)."""
    match = TARGET.match(path)
    if match is None:
        abort(404)
    body = target_body(f"{match.group('dir')}/{match.group('name')}", match.group("sha"))
    if body is None:
        abort(404)
    return Response(body, content_type="application/octet-stream",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})

"""Public, login-free audit endpoints: the latest signed checkpoint, proofs, the verifier key.

Proofs hold only hashes, so anyone (a citizen with a receipt, a journalist) can check that an
entry is in the log without learning anything personal.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from core.audit.api import audit_log
from core.permissions import public

transparency = Blueprint("transparency", __name__, url_prefix="/audit")


@transparency.route("/checkpoint")
@public
def checkpoint() -> Response:
    """The latest signed checkpoint as a C2SP signed note (text/plain)."""
    return Response(audit_log().checkpoint(), mimetype="text/plain; charset=utf-8")


@transparency.route("/proof/<int:index>")
@public
def proof(index: int) -> Response:
    """Inclusion proof of entry ``index`` relative to the latest checkpoint (JSON), and
    (``witnessed``) to the newest checkpoint the fleet hub's witness cosigned, if any."""
    from core.fleet.witnessed import inclusion_with_witness

    return jsonify(inclusion_with_witness(audit_log(), index))


@transparency.route("/pubkey")
@public
def pubkey() -> Response:
    """The station's verifier key."""
    return Response(audit_log().verifier_key().encode() + "\n", mimetype="text/plain; charset=utf-8")

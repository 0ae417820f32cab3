"""The station-facing API: enrolment, signed outbox messages, and the C2SP witness."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from core.audit.note import NoteFormatError, parse_verifier_key
from core.errors import UserInputError
from core.fleet.httpsig import SignatureError, verify_request
from hub import service
from hub.db import hub_database
from hub.desired_config import signed_document
from hub.witness import add_checkpoint

api = Blueprint("hub_api", __name__)
MAX_MESSAGES = 500


def _hub() -> dict[str, Any]:
    return current_app.extensions["hub"]


def _target_uri() -> str:
    public_url = _hub()["config"].public_url
    if public_url:
        query = request.query_string.decode()
        return public_url.rstrip("/") + request.path + (f"?{query}" if query else "")
    return request.url


def _json_body() -> dict[str, Any]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise UserInputError("the body must be a JSON object")
    return payload


def _signed_station() -> str:
    """The id of the station that signed this request (or :class:`SignatureError`)."""
    verified = verify_request(request.method, _target_uri(), request.headers, request.get_data(),
                              service.station_public_key, _hub()["clock"]())
    return verified.keyid


@api.post("/api/v1/enrol")
def enrol() -> tuple[Response, int]:
    """Spend an enrolment code; the request is signed by the key being registered (possession)."""
    payload = _json_body()
    try:
        key = parse_verifier_key(str(payload.get("verifier_key", "")))
    except NoteFormatError as error:
        raise UserInputError(f"verifier key: {error}") from None
    verify_request(request.method, _target_uri(), request.headers, request.get_data(),
                   lambda keyid: key.public_key if keyid == "enrol" else None, _hub()["clock"]())
    station = service.enrol_station(str(payload.get("code", "")), str(payload.get("site_id", "")),
                                    key.encode(), _hub()["clock"]())
    return jsonify(station_id=station.id, origin=station.origin,
                   witness_key=_hub()["witness"].verifier_key(),
                   config_key=_hub()["config_signer"].verifier_key.encode()), 201


@api.post("/api/v1/messages")
def messages() -> tuple[Response, int]:
    """Receive a batch of outbox messages, in order; each is stored at most once."""
    station_id = _signed_station()
    batch = _json_body().get("messages")
    if not isinstance(batch, list) or len(batch) > MAX_MESSAGES:
        raise UserInputError(f"'messages' must be a list of at most {MAX_MESSAGES} messages")
    now = _hub()["clock"]()
    if not all(isinstance(message, dict) for message in batch):
        raise UserInputError("each message is a JSON object")
    accepted, duplicates = [], []
    with hub_database.atomic():  # the whole batch or nothing: the station is told only what committed
        for message in batch:
            fresh = service.receive_message(station_id, message, now)
            (accepted if fresh else duplicates).append(message["id"])
        service.touch(station_id, now)
    return jsonify(accepted=accepted, duplicates=duplicates), 200


@api.get("/api/v1/config")
def desired_config() -> Response:
    """The station's desired configuration as a note signed by the hub's config key (ETag)."""
    station_id = _signed_station()
    note, etag = signed_document(station_id, _hub()["config_signer"])
    service.touch(station_id, _hub()["clock"]())
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        return Response(status=304, headers={"ETag": etag})
    return Response(note, status=200, content_type="text/plain; charset=utf-8", headers={"ETag": etag})


@api.get("/api/v1/plugins")
def plugin_offers() -> Response:
    """The plugin versions this station should run (staged rollouts), as a note signed by the
    hub's configuration key; asking records the offer (docs/supply-chain.md)."""
    from hub.supply.rollout import signed_offers

    station_id = _signed_station()
    now = _hub()["clock"]()
    with hub_database.atomic():
        note = signed_offers(station_id, _hub()["config_signer"], now)
        service.touch(station_id, now)
    return Response(note, status=200, content_type="text/plain; charset=utf-8")


@api.post("/add-checkpoint")
def witness_add_checkpoint() -> Response:
    """C2SP tlog-witness add-checkpoint (authenticated by the checkpoint's own signature)."""
    answer = add_checkpoint(request.get_data(), _hub()["witness"], _hub()["clock"]())
    return Response(answer.body, status=answer.status, content_type=answer.content_type)


@api.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Load balancer probe: the database answers."""
    try:
        hub_database.execute_sql("SELECT 1").fetchone()
    except Exception:  # any failure means "not ready"
        return jsonify(status="degraded"), 503
    return jsonify(status="ok"), 200


__all__ = ["SignatureError", "api"]

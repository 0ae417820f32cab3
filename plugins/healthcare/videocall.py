"""Live video consultations: the call's life (waiting → active → ended) and its signalling.

The station only relays the WebRTC session descriptions between the kiosk page and the
doctor's page (HTTP polling); audio and video go peer to peer and nothing of them is stored.
The signalling messages are deleted when the call ends. ICE servers (STUN/TURN) come from the
``ice_servers`` setting — none by default, so a call on one network uses host candidates only.
"""

from __future__ import annotations

import json
from typing import Any

from sdk import NotFoundError, UserInputError, audit, now, pick, transaction

from .models import VideoCall, VideoSignal

SIDES = ("kiosk", "doctor")
KINDS = ("offer", "answer", "ice", "bye")
MAX_BODY = 20_000          # an SDP with a few host candidates is ~3 kB
MAX_SIGNALS_PER_CALL = 200
WAIT_LIMIT_SECONDS = 15 * 60   # a call nobody answers ends by itself
KIOSK_GONE_SECONDS = 60        # a kiosk page that stopped polling (logged out, closed) ends its call
SEEN_GRAIN_SECONDS = 10        # how often a kiosk poll writes "still here"


def other(side: str) -> str:
    """The peer of ``side``."""
    return "doctor" if side == "kiosk" else "kiosk"


def parse_ice_servers(raw: str) -> list[dict[str, Any]]:
    """The ``ice_servers`` setting (JSON list of RTCIceServer) checked; ``""`` means none.

    ``[{"urls": "turn:turn.example.vn:3478", "username": "kiosk", "credential": "..."}]``
    """
    if not raw or not raw.strip():
        return []
    try:
        servers = json.loads(raw)
    except ValueError:
        raise ValueError("ice_servers is not JSON") from None
    if not isinstance(servers, list):
        raise ValueError("ice_servers must be a JSON list")
    out = []
    for server in servers:
        if not isinstance(server, dict) or not server.get("urls"):
            raise ValueError("each ICE server needs urls")
        urls = server["urls"] if isinstance(server["urls"], list) else [server["urls"]]
        if not all(isinstance(u, str) and u.split(":", 1)[0] in ("stun", "stuns", "turn", "turns") for u in urls):
            raise ValueError("ICE server urls start with stun:, stuns:, turn: or turns:")
        out.append({k: server[k] for k in ("urls", "username", "credential") if k in server})
    return out


def start_call(citizen_id: int, consent: bool) -> VideoCall:
    """Open a call for the citizen, who agreed to camera and microphone; audited."""
    if not consent:
        raise UserInputError(pick("Cuộc gọi chỉ bắt đầu khi bạn đồng ý bật camera và micro.",
                                  "The call starts only when you agree to turn on the camera and microphone."))
    at = now()
    with transaction():
        for stale in VideoCall.select().where((VideoCall.citizen_id == citizen_id)
                                              & (VideoCall.state != "ended")):
            _end(stale, "citizen", at)
        call = VideoCall.create(citizen_id=citizen_id, state="waiting", created_at=at)
        audit("healthcare.video_call.start", object_ref=f"videocall:{call.id}",
              details={"consent": True, "media_stored": False})
    return call


def answer_call(call_id: int) -> VideoCall:
    """The (simulated) clinic's doctor takes a waiting call; audited under the staff member."""
    with transaction():
        call = VideoCall.get_or_none(VideoCall.id == call_id)
        if call is None or call.state == "ended":
            raise NotFoundError(pick("Cuộc gọi này đã kết thúc.", "This call has ended."))
        if call.state == "waiting":
            call.state, call.answered_at = "active", now()
            call.save()
            audit("healthcare.video_call.answer", object_ref=f"videocall:{call.id}")
    return call


def end_call(call: VideoCall, by: str) -> None:
    """Hang up (either side); audited with the length; the signalling messages are deleted."""
    with transaction():
        fresh = VideoCall.get_by_id(call.id)
        if fresh.state != "ended":
            _end(fresh, by, now())


def _end(call: VideoCall, by: str, at: float) -> None:
    talked = int(at - call.answered_at) if call.answered_at else 0
    call.state, call.ended_at, call.ended_by = "ended", at, by
    call.save()
    VideoSignal.delete().where(VideoSignal.call_id == call.id).execute()
    audit("healthcare.video_call.end", object_ref=f"videocall:{call.id}",
          details={"by": by, "answered": call.answered_at is not None, "seconds": talked, "media_stored": False})


def post_signal(call: VideoCall, sender: str, kind: Any, body: Any) -> VideoSignal:
    """Relay one message from ``sender`` to the other side (checked: kind, size, count)."""
    if call.state == "ended":
        raise UserInputError(pick("Cuộc gọi đã kết thúc.", "The call has ended."))
    if sender not in SIDES or kind not in KINDS:
        raise UserInputError(pick("Tin nhắn cuộc gọi không hợp lệ.", "Not a valid call message."))
    text = json.dumps(body, separators=(",", ":"))
    if len(text) > MAX_BODY:
        raise UserInputError(pick("Tin nhắn cuộc gọi quá dài.", "The call message is too long."))
    if VideoSignal.select().where(VideoSignal.call_id == call.id).count() >= MAX_SIGNALS_PER_CALL:
        raise UserInputError(pick("Quá nhiều tin nhắn cho một cuộc gọi.", "Too many messages for one call."))
    return VideoSignal.create(call_id=call.id, sender=sender, kind=kind, body=text, created_at=now())


def signals_for(call: VideoCall, side: str, after: int) -> dict[str, Any]:
    """What ``side`` has not seen yet from the other side, and the call's state."""
    at = now()
    seen = call.kiosk_seen_at or call.created_at
    if ((call.state == "waiting" and at - call.created_at > WAIT_LIMIT_SECONDS)
            or (call.state != "ended" and side == "doctor" and at - seen > KIOSK_GONE_SECONDS)):
        end_call(call, "timeout")
        call = VideoCall.get_by_id(call.id)
    elif side == "kiosk" and call.state != "ended" and at - seen >= SEEN_GRAIN_SECONDS:
        VideoCall.update(kiosk_seen_at=at).where(VideoCall.id == call.id).execute()
    rows = (VideoSignal.select().where((VideoSignal.call_id == call.id) & (VideoSignal.sender == other(side))
                                       & (VideoSignal.id > after)).order_by(VideoSignal.id))
    return {"state": call.state,
            "signals": [{"id": r.id, "kind": r.kind, "body": json.loads(r.body)} for r in rows]}

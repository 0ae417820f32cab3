/* Live video doctor: one WebRTC call between the kiosk page and the (simulated) clinic's page.
   Signalling goes through the station: each side POSTs its session description (ICE gathered
   first, no trickle) and polls for the other side's. The doctor's page makes the offer, the
   kiosk answers. Audio and video go peer to peer; nothing is recorded. No inline script (CSP). */
(function () {
  "use strict";
  var root = document.getElementById("video-call");
  if (!root || !window.RTCPeerConnection) { return; }
  var side = root.getAttribute("data-side");
  var signalsUrl = root.getAttribute("data-signals");
  var endUrl = root.getAttribute("data-end");
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var iceServers = [];
  try { iceServers = JSON.parse(root.getAttribute("data-ice-servers") || "[]"); } catch (e) { iceServers = []; }
  var status = document.getElementById("call-status");
  var remote = document.getElementById("remote-video");
  var local = document.getElementById("local-video");
  var unmute = document.getElementById("unmute");
  var endForm = document.getElementById("end-call-form");
  var pc = new RTCPeerConnection({ iceServers: iceServers });
  var last = 0, done = false, connected = false;
  root.setAttribute("data-keep-awake", "on");   // no idle logout while waiting or talking

  var say = function (state) {
    root.setAttribute("data-call-state", state);
    if (status) { status.textContent = root.getAttribute("data-text-" + state) || state; }
  };

  pc.addEventListener("track", function (event) {
    var stream = event.streams[0] || new MediaStream([event.track]);
    if (remote.srcObject !== stream) {
      remote.srcObject = stream;
      var playing = remote.play();
      if (playing && playing.catch) {
        playing.catch(function () {   // no autoplay with sound: play muted, offer a tap for sound
          remote.muted = true;
          remote.play().catch(function () {});
          if (unmute) { unmute.hidden = false; }
        });
      }
    }
  });
  if (unmute) {
    unmute.addEventListener("click", function () { remote.muted = false; remote.play(); unmute.hidden = true; });
  }
  pc.addEventListener("connectionstatechange", function () {
    if (pc.connectionState === "connected") { connected = true; say("connected"); }
    else if (pc.connectionState === "failed") { say("failed"); }
  });

  var send = function (kind, body) {
    return fetch(signalsUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ kind: kind, body: body })
    });
  };
  // Wait for the host candidates (at most 3 s), then send one complete description.
  var gathered = function () {
    return new Promise(function (resolve) {
      if (pc.iceGatheringState === "complete") { resolve(); return; }
      var timer = window.setTimeout(resolve, 3000);
      pc.addEventListener("icegatheringstatechange", function () {
        if (pc.iceGatheringState === "complete") { window.clearTimeout(timer); resolve(); }
      });
    });
  };
  var sendDescription = function (kind) {
    return gathered().then(function () {
      return send(kind, { type: pc.localDescription.type, sdp: pc.localDescription.sdp });
    });
  };

  var hangup = function (tell) {
    if (done) { return; }
    done = true;
    root.setAttribute("data-keep-awake", "off");
    pc.getSenders().forEach(function (s) { if (s.track) { s.track.stop(); } });
    if (local.srcObject) { local.srcObject.getTracks().forEach(function (t) { t.stop(); }); }
    pc.close();
    say("ended");
    if (tell) {
      fetch(endUrl, { method: "POST", credentials: "same-origin", body: new FormData(endForm),
                      headers: { "Accept": "application/json" } }).catch(function () {});
    }
  };

  var handle = function (signal) {
    if (signal.kind === "offer" && side === "kiosk") {
      say("connecting");
      return pc.setRemoteDescription(signal.body)
        .then(function () { return pc.createAnswer(); })
        .then(function (answer) { return pc.setLocalDescription(answer); })
        .then(function () { return sendDescription("answer"); });
    }
    if (signal.kind === "answer" && side === "doctor") {
      return pc.setRemoteDescription(signal.body);
    }
    return Promise.resolve();
  };

  var poll = function () {
    if (done) { return; }
    fetch(signalsUrl + "?after=" + last, { credentials: "same-origin", cache: "no-store",
                                           headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (reply) {
        var chain = Promise.resolve();
        (reply.signals || []).forEach(function (signal) {
          last = Math.max(last, signal.id);
          chain = chain.then(function () { return handle(signal); });
        });
        if (reply.state === "ended") { return chain.then(function () { hangup(false); }); }
        if (!connected && reply.state === "waiting") { say("waiting"); }
        return chain;
      })
      .catch(function () {})
      .then(function () { if (!done) { window.setTimeout(poll, 700); } });
  };

  if (endForm) {
    endForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (side === "kiosk") { hangup(false); endForm.submit(); }  // the server ends it, back to the service
      else { hangup(true); }
    });
  }
  // leaving the page (or the idle logout) ends the call for the other side too
  window.addEventListener("pagehide", function () {
    if (!done && navigator.sendBeacon) { done = true; navigator.sendBeacon(endUrl, new FormData(endForm)); }
  });

  navigator.mediaDevices.getUserMedia({ video: true, audio: true })
    .then(function (stream) {
      local.srcObject = stream;
      stream.getTracks().forEach(function (track) { pc.addTrack(track, stream); });
      say(side === "kiosk" ? "waiting" : "connecting");
      if (side === "doctor") {
        return pc.createOffer()
          .then(function (offer) { return pc.setLocalDescription(offer); })
          .then(function () { return sendDescription("offer"); });
      }
      return null;
    })
    .then(poll)
    .catch(function () { say("nodevice"); });
})();

/* Citizen Station kiosk: idle countdown, on-screen keypad, VNeID polling, busy forms. */
(function () {
  "use strict";
  var body = document.body;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function finish() {
    var form = document.getElementById("finish-form");
    if (form) { form.submit(); } else { window.location.assign("/"); }
  }

  // Idle countdown: the server ends the session anyway; this shows the last 20 seconds
  // and then logs out so the next person never sees the previous one's page.
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  if (idle > 0) {
    var warnAt = Math.min(20, idle);
    var overlay = document.getElementById("idle-overlay");
    var counter = document.getElementById("idle-counter");
    var last = Date.now();
    var reset = function () {
      last = Date.now();
      if (overlay) { overlay.hidden = true; }
    };
    ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
      document.addEventListener(name, reset, { passive: true });
    });
    window.setInterval(function () {
      var left = Math.ceil(idle - (Date.now() - last) / 1000);
      if (left <= 0) { finish(); return; }
      if (left <= warnAt && overlay) {
        overlay.hidden = false;
        if (counter) { counter.textContent = String(left); }
      }
    }, 500);
  }

  // On-screen keypad for inputs marked data-keypad.
  var target = null;
  document.querySelectorAll("[data-keypad]").forEach(function (input) {
    input.addEventListener("focus", function () { target = input; });
  });
  document.querySelectorAll(".keypad .key").forEach(function (key) {
    key.addEventListener("click", function () {
      if (!target) { target = document.querySelector("[data-keypad]"); }
      if (!target) { return; }
      var k = key.getAttribute("data-key");
      if (k === "⌫") { target.value = target.value.slice(0, -1); }
      else if (!target.maxLength || target.value.length < target.maxLength || target.maxLength < 0) { target.value += k; }
      target.focus();
    });
  });

  // Forms that talk to a device or a connector show progress and cannot be sent twice.
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      var note = document.createElement("p");
      note.className = "progress";
      note.setAttribute("aria-live", "polite");
      note.textContent = form.getAttribute("data-busy");
      form.appendChild(note);
    });
  });

  // VNeID login: poll until the app approves, then move on by itself.
  var vneid = document.getElementById("vneid-login");
  if (vneid) {
    var url = vneid.getAttribute("data-claim-url");
    var status = document.getElementById("vneid-status");
    var deadline = Date.now() + 1000 * parseInt(vneid.getAttribute("data-expires-in") || "120", 10);
    var poll = function () {
      if (Date.now() > deadline) { if (status) { status.textContent = status.getAttribute("data-expired") || "⌛"; } return; }
      fetch(url, { method: "POST", headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
        .then(function (res) {
          if (res.body.status === "done") { window.location.assign(res.body.next || "/"); return; }
          if (res.body.status === "pending") { window.setTimeout(poll, 1500); return; }
          if (status) { status.textContent = res.body.message || ""; }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    window.setTimeout(poll, 1500);
  }
})();

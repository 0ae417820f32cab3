/* Citizen Station kiosk and console: idle countdown, on-screen keypad, VNeID polling,
   busy forms, live device status, audit verification progress. Plain JS, no build step;
   loaded with defer from /static (the CSP forbids inline scripts). */
(function () {
  "use strict";
  var body = document.body;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function finish(reason) {
    var form = document.getElementById("finish-form");
    var field = document.getElementById("finish-reason");
    if (field && reason) { field.value = reason; }
    if (form) { form.submit(); } else { window.location.assign("/"); }
  }

  // ---- idle countdown -------------------------------------------------------------------
  // The server ends the session anyway; this shows the last seconds and then logs out so the
  // next person never sees the previous one's page. Activity on the page (typing on the
  // keypad makes no request) pings the server so its idle clock agrees with ours.
  // The page finishes 3 s before the server's limit: the server writes last-seen at most every
  // 2 s, so its session may end a little early, and the session end must still be recorded.
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  if (idle > 0) {
    idle = Math.max(5, idle - 3);
    var warnAt = Math.min(20, Math.max(5, Math.floor(idle / 2)));
    var overlay = document.getElementById("idle-overlay");
    var counter = document.getElementById("idle-counter");
    var last = Date.now();
    var lastPing = Date.now();
    var ended = false;
    var ping = function () {
      lastPing = Date.now();
      fetch("/ping", { credentials: "same-origin", cache: "no-store" }).catch(function () {});
    };
    // The overlay is opaque and everything behind it is hidden from assistive technology and
    // made inert, so a passer-by sees no personal data while the countdown runs.
    var behind = Array.prototype.slice.call(body.children).filter(function (el) {
      return el !== overlay && el.tagName !== "SCRIPT";
    });
    var cover = function (on) {
      overlay.hidden = !on;
      body.classList.toggle("idle-covered", on);
      behind.forEach(function (el) {
        if (on) { el.setAttribute("aria-hidden", "true"); el.inert = true; }
        else { el.removeAttribute("aria-hidden"); el.inert = false; }
      });
    };
    var reset = function () {
      if (ended) { return; }
      last = Date.now();
      if (overlay && !overlay.hidden) { cover(false); ping(); }
      else if (Date.now() - lastPing > 15000) { ping(); }
    };
    ["pointerdown", "keydown", "touchstart", "input"].forEach(function (name) {
      document.addEventListener(name, reset, { passive: true });
    });
    var stay = document.getElementById("idle-stay");
    if (stay) { stay.addEventListener("click", reset); }
    var finishNow = document.getElementById("idle-finish");
    if (finishNow) { finishNow.addEventListener("click", function () { ended = true; finish("finish"); }); }
    window.setInterval(function () {
      if (ended) { return; }
      // a page where the citizen talks rather than taps (a video call) keeps the session alive
      if (document.querySelector('[data-keep-awake="on"]')) { reset(); return; }
      var left = Math.ceil(idle - (Date.now() - last) / 1000);
      if (left <= 0) { ended = true; finish("idle"); return; }
      if (left <= warnAt && overlay) {
        if (overlay.hidden) { cover(true); if (stay) { stay.focus(); } }
        if (counter) { counter.textContent = String(left); }
      }
    }, 250);
  }

  // ---- "call staff": raise the alert without leaving the page --------------------------
  var helpForm = document.getElementById("help-form");
  var helpStatus = document.getElementById("help-status");
  if (helpForm && helpStatus) {
    helpForm.addEventListener("submit", function (e) {
      e.preventDefault();
      fetch(helpForm.action, { method: "POST", body: new FormData(helpForm), credentials: "same-origin",
                               headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (j) { helpStatus.textContent = j.message || ""; helpStatus.hidden = false; })
        .catch(function () { helpForm.submit(); });
    });
  }

  // ---- read aloud: the page's marked instructions (else its heading and lead) ------------
  var readButton = document.getElementById("read-aloud");
  if (readButton) {
    var player = null;
    var pageText = function () {
      var regions = document.querySelectorAll("main [data-read-aloud]");
      var h1 = document.querySelector("main h1");
      var parts = [];
      var inRegion = h1 && Array.prototype.some.call(regions, function (r) { return r.contains(h1); });
      if (h1 && !inRegion) { parts.push(h1.innerText); }
      if (regions.length) {
        regions.forEach(function (r) { parts.push(r.innerText); });
      } else {
        var lead = document.querySelector("main .lead, main .subtitle");
        if (lead) { parts.push(lead.innerText); }
      }
      return parts.join(". ").replace(/\s+/g, " ").trim().slice(0, 780);
    };
    var stop = function () {
      if (player) { player.pause(); player = null; }
      readButton.setAttribute("aria-pressed", "false");
    };
    readButton.addEventListener("click", function () {
      if (player) { stop(); return; }
      readButton.setAttribute("aria-pressed", "true");
      fetch("/speech", { method: "POST", credentials: "same-origin",
                         headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
                         body: JSON.stringify({ text: pageText(), lang: readButton.getAttribute("data-lang") }) })
        .then(function (r) { if (!r.ok) { throw new Error("speech " + r.status); } return r.blob(); })
        .then(function (blob) {
          player = new Audio(URL.createObjectURL(blob));
          player.addEventListener("ended", stop);
          return player.play();
        })
        .catch(function () {
          stop();
          if (helpStatus) { helpStatus.textContent = readButton.getAttribute("data-failed-text"); helpStatus.hidden = false; }
        });
    });
  }

  // ---- on-screen keypad -----------------------------------------------------------------
  // A pad with data-for types into that field only (the keypad under "Amount" types the
  // amount, whichever field was touched before). A shared pad types into the field of its
  // form the citizen touched last (else the first), and moves on when that one is full.
  document.querySelectorAll(".keypad").forEach(function (pad) {
    var scope = pad.closest("form") || document;
    var own = pad.getAttribute("data-for");
    var fields = own ? [document.getElementById(own)].filter(Boolean)
      : Array.prototype.slice.call(scope.querySelectorAll("[data-keypad]")).filter(function (f) {
        return !scope.querySelector('.keypad[data-for="' + f.id + '"]');
      });
    var target = fields[0] || null;
    var mark = function (input) {
      fields.forEach(function (f) { f.classList.remove("kp-target"); });
      target = input;
      if (target) { target.classList.add("kp-target"); }
    };
    fields.forEach(function (input) {
      input.addEventListener("focus", function () { mark(input); });
    });
    if (!own) { mark(target); }
    pad.querySelectorAll(".key").forEach(function (key) {
      key.addEventListener("click", function () {
        if (!target) { return; }
        if (own) { mark(target); }
        var k = key.getAttribute("data-key");
        var max = target.maxLength > 0 ? target.maxLength : Infinity;
        if (k === "⌫") { target.value = target.value.slice(0, -1); }
        else if (k === "clear") { target.value = ""; }
        else if (target.value.length < max) { target.value += k; }
        target.dispatchEvent(new Event("input", { bubbles: true }));
        // move on to the next field once this one is full
        if (target.value.length >= max) {
          var next = fields[fields.indexOf(target) + 1];
          if (next) { mark(next); }
        }
      });
    });
  });

  // ---- on-screen keyboard for every free-text and number field ------------------------
  // Text fields type Vietnamese with Telex (telex.js); number fields (inputmode="numeric")
  // get the digits only. Fields with their own keypad (data-keypad) or data-osk="off" are left alone.
  var osk = document.getElementById("osk");
  if (osk) {
    var oskTarget = null, shift = false;
    var selector = 'input:not([type]), input[type="text"], input[type="search"], input[type="tel"], ' +
      'input[type="number"], textarea';
    var wants = function (el) {
      return el && el.matches && el.matches(selector) && !el.hasAttribute("data-keypad") &&
        !el.readOnly && !el.disabled && el.getAttribute("data-osk") !== "off";
    };
    var numeric = function (el) {
      return el.getAttribute("inputmode") === "numeric" || el.getAttribute("inputmode") === "decimal" ||
        el.type === "number" || el.getAttribute("data-osk") === "digits";
    };
    var openFor = function (el) {
      oskTarget = el;
      osk.classList.toggle("osk-numeric", numeric(el));
      osk.hidden = false;
      document.body.classList.add("osk-open");
    };
    var close = function () { osk.hidden = true; oskTarget = null; document.body.classList.remove("osk-open"); };
    document.addEventListener("focusin", function (e) { if (wants(e.target)) { openFor(e.target); } });
    osk.addEventListener("pointerdown", function (e) { e.preventDefault(); });  // keep the field focused
    osk.addEventListener("mousedown", function (e) { e.preventDefault(); });
    osk.querySelectorAll("[data-osk-key]").forEach(function (key) {
      key.addEventListener("click", function () {
        if (!oskTarget) { return; }
        var k = key.getAttribute("data-osk-key");
        var el = oskTarget, max = el.maxLength > 0 ? el.maxLength : Infinity;
        if (k === "done") { close(); el.blur(); return; }
        if (k === "shift") { shift = !shift; key.setAttribute("aria-pressed", shift ? "true" : "false"); return; }
        if (k === "back") { el.value = Array.from(el.value).slice(0, -1).join(""); }
        else {
          var ch = shift ? k.toUpperCase() : k;
          var next = (!numeric(el) && window.StationTelex && /[a-z]/i.test(ch))
            ? window.StationTelex.telexType(el.value, ch) : el.value + ch;
          if (Array.from(next).length <= max) { el.value = next; }
          if (shift) { shift = false; osk.querySelector('[data-osk-key="shift"]').setAttribute("aria-pressed", "false"); }
        }
        el.dispatchEvent(new Event("input", { bubbles: true }));
        el.focus();
      });
    });
  }

  // ---- pages that wait on something outside (a call being answered) reload themselves ----
  var reloadAfter = document.querySelector("[data-refresh-seconds]");
  if (reloadAfter) {
    window.setTimeout(function () { window.location.reload(); },
      1000 * parseFloat(reloadAfter.getAttribute("data-refresh-seconds") || "2"));
  }

  // ---- a step the citizen already chose that the page takes on by itself ---------------
  // (after paying a dossier fee the dossier is filed: the button is there without script too)
  var autoSubmit = document.querySelector("button[data-auto-submit]");
  if (autoSubmit && autoSubmit.form) {
    window.setTimeout(function () {
      if (autoSubmit.form.requestSubmit) { autoSubmit.form.requestSubmit(autoSubmit); } else { autoSubmit.click(); }
    }, 600);
  }

  // ---- back to where I was --------------------------------------------------------------
  // The station sends no Referer (Referrer-Policy: no-referrer), so every form says which
  // page it was sent from: an error page then offers "back" to exactly that page.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || (form.method || "").toLowerCase() !== "post" || form.querySelector("input[name=_from]")) { return; }
    var from = document.createElement("input");
    from.type = "hidden";
    from.name = "_from";
    from.value = window.location.pathname + window.location.search;
    form.appendChild(from);
  }, true);

  // ---- Enter in a one-line field --------------------------------------------------------
  // In a form marked data-enter-submit="<button id>", Enter in a one-line field presses that
  // button (the browser would press the form's first submit button, e.g. "Take photo").
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field || field.tagName !== "INPUT" || !field.form) { return; }
    var wanted = field.form.getAttribute("data-enter-submit");
    var button = wanted && document.getElementById(wanted);
    if (!button) { return; }
    event.preventDefault();
    button.click();
  });

  // ---- busy forms -----------------------------------------------------------------------
  // Forms that talk to a device or a connector show progress and cannot be sent twice.
  // With data-busy-seconds a bar shows the time left ("About 25 seconds left"); with
  // data-busy-lock="main" every other button of the page (Skip) is disabled meanwhile.
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var lock = form.getAttribute("data-busy-lock");
      window.setTimeout(function () {
        form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        if (lock) {
          document.querySelectorAll(lock + " button").forEach(function (b) {
            b.disabled = true;
            b.setAttribute("aria-disabled", "true");
          });
        }
      }, 0);
      var seconds = parseFloat(form.getAttribute("data-busy-seconds") || "0");
      if (seconds > 0) {
        var box = document.createElement("div");
        box.className = "measure-progress";
        var bar = document.createElement("progress");
        bar.max = seconds;
        bar.value = 0;
        bar.id = "measure-progress";
        bar.setAttribute("aria-label", form.getAttribute("data-busy") || "");
        var left = document.createElement("p");
        left.className = "measure-left big-text";
        left.id = "measure-left";
        box.appendChild(bar);
        box.appendChild(left);
        form.appendChild(box);
        var began = Date.now();
        var tick = function () {
          var gone = (Date.now() - began) / 1000;
          var remaining = Math.ceil(seconds - gone);
          bar.value = Math.min(seconds, gone);
          left.textContent = remaining > 0
            ? (form.getAttribute("data-busy-remaining") || "{s}").replace("{s}", String(remaining))
            : (form.getAttribute("data-busy-almost") || "");
        };
        tick();
        window.setInterval(tick, 250);
      }
      var note = document.createElement("p");
      note.className = "progress";
      note.setAttribute("role", "status");
      note.setAttribute("aria-live", "polite");
      var spin = document.createElement("span");
      spin.className = "spinner";
      spin.setAttribute("aria-hidden", "true");
      note.appendChild(spin);
      note.appendChild(document.createTextNode(form.getAttribute("data-busy")));
      form.appendChild(note);
    });
  });

  // Only a path on this site is followed (the server checks too): one "/", then printable
  // ASCII without a backslash (browsers read it as "/", so "/" + backslash + "evil.example"
  // leaves the site) and without a second leading "/"; anything else goes home.
  var sameSitePath = function (target) {
    return (typeof target === "string" && /^\/(?![\/\\])[\x21-\x7e]*$/.test(target) &&
            target.indexOf("\\") < 0) ? target : "/";
  };

  // ---- VNeID login: poll until the app approves, then move on by itself ------------------
  var vneid = document.getElementById("vneid-login");
  if (vneid) {
    var url = vneid.getAttribute("data-claim-url");
    var status = document.getElementById("vneid-status");
    var deadline = Date.now() + 1000 * parseInt(vneid.getAttribute("data-expires-in") || "120", 10);
    var poll = function () {
      if (Date.now() > deadline) {
        if (status) { status.textContent = status.getAttribute("data-expired") || "⌛"; }
        return;
      }
      fetch(url, { method: "POST", headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
        .then(function (res) {
          if (res.body.status === "done") { window.location.assign(sameSitePath(res.body.next)); return; }
          if (res.body.status === "pending") { window.setTimeout(poll, 1000); return; }
          if (status) { status.textContent = res.body.message || ""; }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    window.setTimeout(poll, 1000);
  }

  // ---- console: live device status ------------------------------------------------------
  var deviceTable = document.querySelector("[data-live-devices]");
  if (deviceTable) {
    var refresh = function () {
      fetch(deviceTable.getAttribute("data-live-devices"), { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          data.devices.forEach(function (d) {
            var row = deviceTable.querySelector('tr[data-device="' + d.id + '"]');
            if (!row) { return; }
            var badge = row.querySelector(".status .badge");
            if (badge) { badge.textContent = d.status_label || d.status; badge.className = "badge status-" + d.status; }
            var reason = row.querySelector(".reason");
            if (reason) { reason.textContent = d.reason_label || d.reason; }
          });
        })
        .catch(function () {})
        .then(function () { window.setTimeout(refresh, 2000); });
    };
    window.setTimeout(refresh, 1000);
  }

  // ---- console: audit verification progress ---------------------------------------------
  var job = document.querySelector("[data-verify-job]");
  if (job) {
    var bar = job.querySelector("progress");
    var text = job.querySelector(".verify-text");
    var check = function () {
      fetch(job.getAttribute("data-verify-job"), { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (bar) { bar.max = Math.max(1, s.total); bar.value = s.done; }
          if (text) { text.textContent = s.message; }
          job.setAttribute("data-state", s.state);
          if (s.state === "running") { window.setTimeout(check, 500); }
        })
        .catch(function () { window.setTimeout(check, 2000); });
    };
    check();
  }
})();

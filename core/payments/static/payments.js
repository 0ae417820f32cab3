/* Payment pages: poll the payment's status while the citizen pays, then move on by itself.
   Plain JS (the station's CSP allows only scripts from 'self'). */
(function () {
  "use strict";
  var box = document.getElementById("payment-status");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var text = document.getElementById("payment-progress");
  var started = box.hasAttribute("data-autostart");
  var poll = function () {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.next) { window.location.assign(body.next); return; }
        if (body.progress && text) { text.textContent = body.progress; }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  };
  if (started) { window.setTimeout(poll, 1500); }
  var cardForm = document.getElementById("card-form");
  if (cardForm) {
    cardForm.addEventListener("submit", function () {
      var button = cardForm.querySelector("button");
      if (button) { button.disabled = true; }
      var panel = document.getElementById("terminal-panel");
      if (panel) { panel.hidden = false; }
      window.setTimeout(poll, 1000);
    });
  }
})();

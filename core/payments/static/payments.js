/* Payment pages: poll the payment's status while the citizen pays, then move on by itself.
   Plain JS (the station's CSP allows only scripts from 'self'). */
(function () {
  "use strict";
  /* The card waiting page: the terminal exchange runs on the station's card worker; this page
     follows it through the status JSON (opaque token in the URL), then goes to the receipt or
     the result, or says why nothing was charged. */
  var card = document.getElementById("card-status");
  if (card) {
    var cardUrl = card.getAttribute("data-status-url");
    var resultUrl = card.getAttribute("data-result-url");
    var cardText = document.getElementById("payment-progress");
    var failures = 0;
    var follow = function () {
      fetch(cardUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (r) {
          if (r.status === 404) { window.location.assign(resultUrl); return null; }
          return r.json();
        })
        .then(function (body) {
          if (!body) { return; }
          failures = 0;
          if (body.next) { window.location.assign(body.next); return; }
          if (body.error) {
            var panel = document.getElementById("card-error");
            document.getElementById("card-error-text").textContent = body.error;
            if (panel) { panel.hidden = false; }
            var outcome = document.getElementById("payment-outcome");
            if (outcome) { outcome.hidden = true; outcome.setAttribute("data-state", "NOT_SENT"); }
            var hint = document.getElementById("card-hint");
            if (hint) { hint.hidden = true; }
            return;
          }
          if (body.progress && cardText) { cardText.textContent = body.progress; }
          window.setTimeout(follow, 1000);
        })
        .catch(function () { failures += 1; window.setTimeout(follow, failures > 5 ? 5000 : 2000); });
    };
    window.setTimeout(follow, 500);
    return;
  }
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

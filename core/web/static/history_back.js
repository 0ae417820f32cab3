/* "Back to where I was" on an error page whose referrer the station does not know: go back in
   the browser's history (the page the citizen was on, with what they typed), else follow the
   link (the start of the service). */
(function () {
  "use strict";
  document.querySelectorAll("a[data-history-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (window.history.length > 1) {
        event.preventDefault();
        window.history.back();
      }
    });
  });
}());

/* Filter a list as the citizen types (issue 14: the bank picker). An <input data-filter-list="ID">
   hides the children of #ID whose data-filter-text does not contain every typed word; accents,
   đ and case are ignored ("ngoai thuong" finds "Ngoại thương"). data-filter-empty names the
   element shown when nothing matches. The on-screen keyboard sends "input" events. */
(function () {
  "use strict";
  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }
  function bind(input) {
    var list = document.getElementById(input.getAttribute("data-filter-list"));
    var empty = document.getElementById(input.getAttribute("data-filter-empty") || "");
    if (!list) { return; }
    var update = function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean), shown = 0;
      Array.prototype.forEach.call(list.children, function (item) {
        var text = fold(item.getAttribute("data-filter-text") || item.textContent);
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        var checked = item.querySelector("input:checked");
        item.hidden = !match && !checked;   // the chosen bank stays visible
        if (match) { shown += 1; }
      });
      if (empty) { empty.hidden = shown > 0; }
    };
    input.addEventListener("input", update);
    update();
  }
  function start() { document.querySelectorAll("input[data-filter-list]").forEach(bind); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());

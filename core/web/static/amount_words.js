/* Amounts in words while the citizen types (issue 14): the mirror of core/number_words.py
   (a test runs both on a table of values). An <input data-amount-words="ID"> writes the words
   of its value into the element with that id, in the page's language (<html lang>). */
(function (root) {
  "use strict";
  var VI = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"];
  var EN_SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"];
  var EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
  var EN_SCALES = ["", "thousand", "million", "billion", "trillion", "quadrillion"];

  function viGroup(group, full) {
    var hundreds = Math.floor(group / 100), tens = Math.floor(group / 10) % 10, units = group % 10;
    var words = [];
    if (full || hundreds) { words.push(VI[hundreds], "trăm"); }
    if (tens === 0) {
      if (units) { if (words.length) { words.push("linh"); } words.push(VI[units]); }
    } else if (tens === 1) {
      words.push("mười");
      if (units) { words.push(units === 5 ? "lăm" : VI[units]); }
    } else {
      words.push(VI[tens], "mươi");
      if (units) { words.push(units === 1 ? "mốt" : units === 5 ? "lăm" : VI[units]); }
    }
    return words;
  }

  function viBelowBillion(number, full) {
    var words = [];
    var parts = [[Math.floor(number / 1000000), "triệu"], [Math.floor(number / 1000) % 1000, "nghìn"], [number % 1000, ""]];
    parts.forEach(function (part) {
      if (part[0]) {
        words = words.concat(viGroup(part[0], full || words.length > 0));
        if (part[1]) { words.push(part[1]); }
      }
    });
    return words;
  }

  function viWords(number, full) {
    if (number >= 1000000000) {
      var billions = Math.floor(number / 1000000000), rest = number % 1000000000;
      return viWords(billions, full).concat(["tỷ"], rest ? viBelowBillion(rest, true) : []);
    }
    return viBelowBillion(number, full);
  }

  function enGroup(group) {
    var hundreds = Math.floor(group / 100), rest = group % 100, words = [];
    if (hundreds) { words.push(EN_SMALL[hundreds], "hundred"); }
    if (rest >= 20) { words.push(EN_TENS[Math.floor(rest / 10)] + (rest % 10 ? "-" + EN_SMALL[rest % 10] : "")); }
    else if (rest) { words.push(EN_SMALL[rest]); }
    return words;
  }

  function enWords(number) {
    var groups = [], words = [];
    while (number) { groups.push(number % 1000); number = Math.floor(number / 1000); }
    for (var i = groups.length - 1; i >= 0; i--) {
      if (groups[i]) { words = words.concat(enGroup(groups[i])); if (EN_SCALES[i]) { words.push(EN_SCALES[i]); } }
    }
    return words;
  }

  function numberInWords(number, lang) {
    if (!Number.isSafeInteger(number) || number < 0) { return ""; }
    if (number === 0) { return lang === "vi" ? "không" : "zero"; }
    return (lang === "vi" ? viWords(number, false) : enWords(number)).join(" ");
  }

  function amountInWords(amount, lang) {
    var words = numberInWords(amount, lang);
    return words ? words + (lang === "vi" ? " đồng" : " dong") : "";
  }

  root.amountInWords = amountInWords;
  if (typeof module !== "undefined" && module.exports) { module.exports = { amountInWords: amountInWords }; }

  if (typeof document === "undefined") { return; }
  function bind() {
    var lang = document.documentElement.lang === "en" ? "en" : "vi";
    document.querySelectorAll("input[data-amount-words]").forEach(function (input) {
      var target = document.getElementById(input.getAttribute("data-amount-words"));
      if (!target) { return; }
      var update = function () {
        var digits = (input.value || "").replace(/[^0-9]/g, "");
        target.textContent = digits ? amountInWords(parseInt(digits, 10), lang) : "";
      };
      input.addEventListener("input", update);
      input.addEventListener("change", update);
      update();
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", bind); } else { bind(); }
}(typeof window !== "undefined" ? window : globalThis));

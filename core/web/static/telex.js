/* Telex typing for the on-screen keyboard: "Vieetj Nam" → "Việt Nam" (pure function, no DOM).
   telexKey(word, key) returns the word after typing key, applying the Telex rules:
   aa â, aw ă, ee ê, oo ô, ow ơ, uw ư, uow ươ, dd đ; s sắc, f huyền, r hỏi, x ngã, j nặng, z none. */
(function (root) {
  "use strict";
  var TONES = { s: "\u0301", f: "\u0300", r: "\u0309", x: "\u0303", j: "\u0323" };
  var TONE_MARKS = /[\u0300\u0301\u0303\u0309\u0323]/g;
  var VOWELS = "aăâeêioôơuưy";
  var DOUBLE = { a: "â", e: "ê", o: "ô", d: "đ" };
  var HORN = { a: "ă", o: "ơ", u: "ư" };

  function parts(ch) {            // "ộ" → {base: "ô", tone: "\u0323"}
    var d = ch.normalize("NFD");
    var tone = (d.match(TONE_MARKS) || [""])[0];
    return { base: d.replace(TONE_MARKS, "").normalize("NFC"), tone: tone };
  }
  function isVowel(ch) { return VOWELS.indexOf(parts(ch).base.toLowerCase()) >= 0; }
  function withTone(ch, tone) { return (parts(ch).base.normalize("NFD") + tone).normalize("NFC"); }
  function keepCase(template, ch) { return template === template.toUpperCase() ? ch.toUpperCase() : ch; }

  function toneTarget(chars) {    // index of the vowel that carries the tone
    var idx = [];
    chars.forEach(function (c, i) { if (isVowel(c)) { idx.push(i); } });
    if (!idx.length) { return -1; }
    for (var k = idx.length - 1; k >= 0; k--) {   // a vowel with a hat or horn takes it (ươ: the ơ)
      if ("ăâêôơư".indexOf(parts(chars[idx[k]]).base.toLowerCase()) >= 0) { return idx[k]; }
    }
    var first = idx[0], lastVowel = idx[idx.length - 1];
    var low = chars.map(function (c) { return parts(c).base.toLowerCase(); }).join("");
    if (idx.length === 1) { return first; }
    // "qu" and "gi" start a word: their u / i is part of the consonant
    if ((low.indexOf("qu") === 0 || low.indexOf("gi") === 0) && first === 1) { idx.shift(); first = idx[0]; }
    if (idx.length === 1) { return first; }
    var endsInConsonant = lastVowel < chars.length - 1;
    var pair = low.substr(first, 2);
    if (endsInConsonant || idx.length === 3 || pair === "oa" || pair === "oe" || pair === "uy") { return idx[1]; }
    return first;
  }

  function telexKey(word, key) {
    var k = key.toLowerCase();
    var chars = Array.from(word);
    var last = chars.length ? chars[chars.length - 1] : "";
    var lastLow = parts(last).base.toLowerCase();
    if (TONES[k] || k === "z") {
      var at = toneTarget(chars);
      if (at >= 0) {
        var current = parts(chars[at]).tone;
        var tone = k === "z" ? "" : TONES[k];
        if (current === tone && tone) { chars[at] = withTone(chars[at], ""); return chars.join("") + key; }
        if (current || tone) { chars[at] = withTone(chars[at], tone); return chars.join(""); }
      }
      return word + key;
    }
    if (DOUBLE[k] && lastLow === k) {
      var tone1 = parts(last).tone;
      chars[chars.length - 1] = keepCase(last, (DOUBLE[k].normalize("NFD") + tone1).normalize("NFC"));
      return chars.join("");
    }
    if (DOUBLE[k] === undefined && k === "w") {
      // uo + w → ươ ; otherwise the last a / o / u gets its breve or horn
      for (var i = chars.length - 1; i >= 0; i--) {
        var b = parts(chars[i]).base.toLowerCase();
        if (HORN[b]) {
          var t = parts(chars[i]).tone;
          chars[i] = keepCase(chars[i], (HORN[b].normalize("NFD") + t).normalize("NFC"));
          if (b === "o" && i > 0 && parts(chars[i - 1]).base.toLowerCase() === "u") {
            chars[i - 1] = keepCase(chars[i - 1], ("ư".normalize("NFD") + parts(chars[i - 1]).tone).normalize("NFC"));
          }
          return chars.join("");
        }
        if (!isVowel(chars[i]) && i < chars.length - 1 && isVowel(chars[i + 1])) { break; }
      }
      return word + key;
    }
    return word + key;
  }

  function telexType(text, key) {  // apply to the last word of text
    var m = text.match(/^([\s\S]*?)([^\s.,;:!?()\-]*)$/);
    return m[1] + telexKey(m[2], key);
  }

  root.StationTelex = { telexKey: telexKey, telexType: telexType };
})(typeof window !== "undefined" ? window : globalThis);

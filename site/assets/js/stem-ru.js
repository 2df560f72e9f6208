/* Snowball Russian stemmer (snowballstem.org, russian.sbl), ported from the generated Python so a
   word typed in the browser gets the same stem the build put into catalog/index.json. */
(function (root) {
  "use strict";
  var VOWELS = "аеиоуыэюя";
  var PERFECTIVE_GERUND_1 = ["в", "вши", "вшись"];
  var PERFECTIVE_GERUND_2 = ["ив", "ивши", "ившись", "ыв", "ывши", "ывшись"];
  var ADJECTIVE = ["ее", "ие", "ое", "ые", "ими", "ыми", "ей", "ий", "ой", "ый", "ем", "им", "ом",
    "ым", "его", "ого", "ему", "ому", "их", "ых", "ею", "ою", "ую", "юю", "ая", "яя"];
  var PARTICIPLE_1 = ["ем", "нн", "вш", "ющ", "щ"];
  var PARTICIPLE_2 = ["ивш", "ывш", "ующ"];
  var REFLEXIVE = ["ся", "сь"];
  var VERB_1 = ["ла", "на", "ете", "йте", "ли", "й", "л", "ем", "н", "ло", "но", "ет", "ют", "ны",
    "ть", "ешь", "нно"];
  var VERB_2 = ["ила", "ыла", "ена", "ейте", "уйте", "ите", "или", "ыли", "ей", "уй", "ил", "ыл",
    "им", "ым", "ен", "ило", "ыло", "ено", "ят", "ует", "уют", "ит", "ыт", "ены", "ить", "ыть",
    "ишь", "ую", "ю"];
  var NOUN = ["а", "ев", "ов", "ие", "ье", "е", "иями", "ями", "ами", "еи", "ии", "и", "ией", "ей",
    "ой", "ий", "й", "иям", "ям", "ием", "ем", "ам", "ом", "о", "у", "ах", "иях", "ях", "ы", "ь",
    "ию", "ью", "ю", "ия", "ья", "я"];
  var DERIVATIONAL = ["ост", "ость"];

  function isVowel(ch) { return VOWELS.indexOf(ch) >= 0; }

  // The longest of the suffix groups that ends the word inside the region (Snowball's among):
  // returns [group number (1-based), suffix] or null.
  function among(word, limit, groups) {
    var best = null;
    for (var g = 0; g < groups.length; g++) {
      for (var i = 0; i < groups[g].length; i++) {
        var s = groups[g][i];
        if (word.length - s.length >= limit && word.slice(word.length - s.length) === s &&
            (best === null || s.length > best[1].length)) {
          best = [g + 1, s];
        }
      }
    }
    return best;
  }

  // Group 1 endings need а or я (inside the region) right before them; the а/я stays.
  function deleteWithGroups(state, groups) {
    var m = among(state.w, state.pV, groups);
    if (m === null) { return false; }
    var start = state.w.length - m[1].length;
    if (m[0] === 1 && groups.length > 1) {
      if (start - 1 < state.pV) { return false; }
      var prev = state.w.charAt(start - 1);
      if (prev !== "а" && prev !== "я") { return false; }
    }
    state.w = state.w.slice(0, start);
    return true;
  }

  function regions(w) {
    var n = w.length, pV = n, p2 = n, i = 0;
    while (i < n && !isVowel(w.charAt(i))) { i++; }
    if (i >= n) { return [pV, p2]; }
    pV = i + 1;
    i = pV;
    while (i < n && isVowel(w.charAt(i))) { i++; }
    if (i >= n) { return [pV, p2]; }
    i++;
    while (i < n && !isVowel(w.charAt(i))) { i++; }
    if (i >= n) { return [pV, p2]; }
    i++;
    while (i < n && isVowel(w.charAt(i))) { i++; }
    if (i >= n) { return [pV, p2]; }
    p2 = i + 1;
    return [pV, p2];
  }

  function stem(word) {
    var w = word.replace(/ё/g, "е");
    var r = regions(w);
    var state = { w: w, pV: r[0] };
    if (!deleteWithGroups(state, [PERFECTIVE_GERUND_1, PERFECTIVE_GERUND_2])) {
      deleteWithGroups(state, [REFLEXIVE]);
      if (deleteWithGroups(state, [ADJECTIVE])) {
        deleteWithGroups(state, [PARTICIPLE_1, PARTICIPLE_2]);
      } else if (!deleteWithGroups(state, [VERB_1, VERB_2])) {
        deleteWithGroups(state, [NOUN]);
      }
    }
    w = state.w;
    if (w.length - 1 >= state.pV && w.charAt(w.length - 1) === "и") { w = w.slice(0, -1); }
    var d = among(w, state.pV, [DERIVATIONAL]);
    if (d !== null && w.length - d[1].length >= r[1]) { w = w.slice(0, w.length - d[1].length); }
    var t = among(w, state.pV, [["ейше", "ейш"], ["н"], ["ь"]]);
    if (t !== null) {
      if (t[0] === 1) {
        w = w.slice(0, w.length - t[1].length);
        if (w.length - 2 >= state.pV && w.slice(-2) === "нн") { w = w.slice(0, -1); }
      } else if (t[0] === 2) {
        if (w.length - 2 >= state.pV && w.slice(-2) === "нн") { w = w.slice(0, -1); }
      } else {
        w = w.slice(0, -1);
      }
    }
    return w;
  }

  var STOP = { "и": 1, "в": 1, "во": 1, "на": 1, "по": 1, "с": 1, "со": 1, "к": 1, "ко": 1, "о": 1,
    "об": 1, "от": 1, "для": 1, "при": 1, "из": 1, "у": 1, "а": 1 };

  function words(text) {
    return String(text).toLowerCase().replace(/ё/g, "е").match(/[0-9a-zа-я]+/g) || [];
  }

  function stems(text) {
    var out = [];
    words(text).forEach(function (w) {
      if (STOP[w]) { return; }
      var s = stem(w);
      if (out.indexOf(s) < 0) { out.push(s); }
    });
    return out;
  }

  var api = { stem: stem, words: words, stems: stems };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
  root.NmoStem = api;
}(typeof window !== "undefined" ? window : this));

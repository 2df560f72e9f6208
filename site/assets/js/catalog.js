/* Catalog filters (catalog page) and the site search (search page) over catalog/index.json and
   its parts (site/hooks/nmo_site/search_index.py).
   Words are matched by Snowball stems (NmoStem, the same algorithm the build used), so
   «кардиологии» finds «Кардиология». Everything shown is set as text, never as HTML. */
(function () {
  "use strict";

  var PAGE = 50;
  var KIND_NAMES = { dpp_pk: "ДПП повышения квалификации", iom: "Интерактивный образовательный модуль",
    event: "Образовательное мероприятие" };
  var FORMAT_NAMES = { in_person: "очно", online: "онлайн" };
  var loaded = null;

  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (res) {
      if (!res.ok) { throw new Error("index " + res.status); }
      return res.json();
    });
  }

  // The head (catalog/index.json) names the parts; they load in parallel and each is complete in
  // itself (its own stems and cities), so publishing one event changes one part.
  function loadIndex(url) {
    if (!loaded) {
      loaded = getJson(url).then(function (head) {
        return Promise.all(head.parts.map(getJson)).then(function (parts) { return prepare(head, parts); });
      });
    }
    return loaded;
  }

  function catalogOrder(a, b) {
    var x = a.starts_on || "9999-12-31", y = b.starts_on || "9999-12-31";
    if (x !== y) { return x < y ? -1 : 1; }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  }

  function prepare(head, parts) {
    var specialtyStems = {};
    Object.keys(head.specialties).forEach(function (code) {
      specialtyStems[code] = head.specialties[code][1];
    });
    var elements = [];
    parts.forEach(function (part) {
      part.elements.forEach(function (r) {
        var own = r[9].map(function (i) { return part.stems[i]; });
        r[5].forEach(function (code) { own = own.concat(specialtyStems[code] || []); });
        elements.push({
          id: r[0], title: r[1], kind: head.kinds[r[2]],
          format: r[3] >= 0 ? head.formats[r[3]] : "", city: r[4] >= 0 ? part.cities[r[4]] : "",
          specialties: r[5], starts_on: r[6], ends_on: r[7], hours: r[8], stems: own
        });
      });
    });
    elements.sort(catalogOrder); // the catalog's order (by start, undated last), as one list had
    var pages = head.pages.map(function (p) { return { url: p[0], title: p[1], stems: p[2] }; });
    var specialties = Object.keys(head.specialties).map(function (code) {
      return { code: code, name: head.specialties[code][0], stems: specialtyStems[code] };
    });
    return { elements: elements, pages: pages, specialties: specialties };
  }

  // A query stem matches a word stem when they are equal, when the query is the start of the word
  // (typing in progress), or when the word's stem starts the query's (хирургическ → хирург).
  function stemMatches(q, s) {
    if (s === q) { return true; }
    if (q.length >= 3 && s.indexOf(q) === 0) { return true; }
    return s.length >= 5 && q.indexOf(s) === 0;
  }

  function matchesQuery(queryStems, stems) {
    return queryStems.every(function (q) {
      return stems.some(function (s) { return stemMatches(q, s); });
    });
  }

  var ruDate = NMO.ruDate;

  function dates(e) {
    if (!e.starts_on) { return "в любое время"; }
    if (e.ends_on && e.ends_on !== e.starts_on) { return ruDate(e.starts_on) + " – " + ruDate(e.ends_on); }
    return ruDate(e.starts_on);
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function elementItem(e) {
    var li = el("li", "nmo-item" + (ended(e, localToday()) ? " nmo-item--past" : ""));
    var a = el("a", "nmo-item__title", e.title);
    a.href = "/catalog/e/" + encodeURIComponent(e.id) + "/";
    li.appendChild(a);
    var meta = el("span", "nmo-item__meta");
    meta.appendChild(el("span", "nmo-tag nmo-tag--" + e.kind, KIND_NAMES[e.kind] || e.kind));
    meta.appendChild(el("span", "", dates(e) + (ended(e, localToday()) ? " (прошло)" : "")));
    meta.appendChild(el("span", "", String(e.hours).replace(".", ",") + " ЗЕТ"));
    if (e.format) {
      meta.appendChild(el("span", "", FORMAT_NAMES[e.format] + (e.city && e.format === "in_person" ? ", " + e.city : "")));
    }
    li.appendChild(meta);
    return li;
  }

  // YYYY-MM-DD of the visitor's own calendar day.
  function localToday() {
    var d = new Date();
    var m = String(d.getMonth() + 1), day = String(d.getDate());
    return d.getFullYear() + "-" + (m.length < 2 ? "0" + m : m) + "-" + (day.length < 2 ? "0" + day : day);
  }

  function ended(e, today) { return Boolean(e.starts_on) && (e.ends_on || e.starts_on) < today; }

  function numberOrNull(v) { return v === "" || v === null || isNaN(Number(v)) ? null : Number(v); }

  function catalogFilters() {
    var form = document.getElementById("nmo-filters");
    if (!form) { return; }
    var list = document.getElementById("nmo-results");
    var status = document.getElementById("nmo-results-status");
    var more = document.getElementById("nmo-more");
    var shown = 0;
    var found = [];

    var params = new URLSearchParams(location.search);
    params.forEach(function (value, key) {
      var field = form.elements[key];
      if (!field) { return; }
      if (field.type === "checkbox") { field.checked = value === field.value; } else { field.value = value; }
    });

    function criteria() {
      var data = new FormData(form);
      return {
        q: NmoStem.stems(data.get("q") || ""), specialty: data.get("specialty") || "",
        kind: data.get("kind") || "", format: data.get("format") || "", city: data.get("city") || "",
        from: data.get("from") || "", to: data.get("to") || "",
        hmin: numberOrNull(data.get("hours_min")), hmax: numberOrNull(data.get("hours_max")),
        past: data.get("past") === "1"
      };
    }

    function keep(c, e) {
      if (c.specialty && e.specialties.indexOf(c.specialty) < 0) { return false; }
      if (c.kind && e.kind !== c.kind) { return false; }
      if (c.format && e.format !== c.format) { return false; }
      if (c.city && e.city !== c.city) { return false; }
      // Undated programs are open at any time, so every date range includes them.
      if (e.starts_on && c.to && e.starts_on > c.to) { return false; }
      if (e.starts_on && c.from && (e.ends_on || e.starts_on) < c.from) { return false; }
      if (c.hmin !== null && e.hours < c.hmin) { return false; }
      if (c.hmax !== null && e.hours > c.hmax) { return false; }
      return c.q.length === 0 || matchesQuery(c.q, e.stems);
    }

    function showMore() {
      found.slice(shown, shown + PAGE).forEach(function (e) { list.appendChild(elementItem(e)); });
      shown = Math.min(found.length, shown + PAGE);
      more.hidden = shown >= found.length;
    }

    // Only the newest request renders: several filters changed while the index loads each ask
    // for a render, and a late one must not rebuild the list under the visitor's pointer.
    var generation = 0;

    function apply() {
      clearTimeout(timer);
      var mine = ++generation;
      status.textContent = "Загрузка каталога…";
      return loadIndex(form.getAttribute("data-index")).then(function (index) {
        if (mine !== generation) { return; }
        var c = criteria();
        var matching = index.elements.filter(function (e) { return keep(c, e); });
        // What is still ahead (or undated) first, by start; what has ended only on request,
        // after it, newest first. "Today" is the visitor's, not the build's.
        var today = localToday();
        var ahead = matching.filter(function (e) { return !ended(e, today); });
        var past = matching.filter(function (e) { return ended(e, today); }).reverse();
        found = c.past ? ahead.concat(past) : ahead;
        list.textContent = "";
        shown = 0;
        var pastNote = !c.past && past.length ? " Прошедших: " + past.length + " — отметьте «Прошедшие тоже»." : "";
        status.textContent = found.length ? "Найдено: " + found.length + "." + pastNote
          : "Ничего не найдено. Измените условия поиска." + pastNote;
        showMore();
        var query = new URLSearchParams(new FormData(form));
        var clean = new URLSearchParams();
        query.forEach(function (v, k) { if (v) { clean.append(k, v); } });
        var qs = clean.toString();
        var url = location.pathname + (qs ? "?" + qs : "");
        // Rewriting the address when nothing changed is not free: Chromium drops a link's
        // navigation that is still pending when the page rewrites its own address.
        if (url !== location.pathname + location.search) { history.replaceState(null, "", url); }
      }, function () {
        if (mine === generation) { status.textContent = "Не удалось загрузить каталог. Обновите страницу."; }
      });
    }

    // Typing waits for a pause; a choice (a list, a date, a checkbox) applies at once and
    // replaces any render still waiting for typing to pause.
    var timer = null;
    var TYPED = { text: true, search: true, number: true };
    form.addEventListener("input", function (ev) {
      if (!TYPED[ev.target.type]) { return; }
      clearTimeout(timer);
      timer = setTimeout(apply, 150);
    });
    form.addEventListener("change", apply);
    // Leaving the page (a result clicked) cancels a render still waiting.
    window.addEventListener("pagehide", function () { clearTimeout(timer); generation += 1; });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); apply(); });
    form.addEventListener("reset", function () { setTimeout(apply, 0); });
    more.querySelector("button").addEventListener("click", showMore);
    var hasQuery = false;
    params.forEach(function (v) { if (v) { hasQuery = true; } });
    if (hasQuery) { apply(); }
  }

  function siteSearch() {
    var box = document.getElementById("nmo-search");
    if (!box) { return; }
    var input = box.querySelector("input[name=q]");
    var status = document.getElementById("nmo-search-status");
    var out = document.getElementById("nmo-search-results");
    var q = new URLSearchParams(location.search).get("q") || "";
    input.value = q;

    function section(title, items) {
      if (!items.length) { return; }
      out.appendChild(el("h2", "", title));
      var ul = el("ul", "nmo-search-results");
      items.forEach(function (node) { ul.appendChild(node); });
      out.appendChild(ul);
    }

    function link(href, text, note) {
      var li = el("li");
      var a = el("a", "", text);
      a.href = href;
      li.appendChild(a);
      if (note) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("small", "", note)); }
      return li;
    }

    function run(text) {
      out.textContent = "";
      var qs = NmoStem.stems(text);
      if (!qs.length) { status.textContent = "Введите слово, например «кардиология» или «баллы»."; return; }
      status.textContent = "Ищем…";
      loadIndex(box.getAttribute("data-index")).then(function (index) {
        var specs = index.specialties.filter(function (s) { return matchesQuery(qs, s.stems); });
        var pages = index.pages.filter(function (p) { return matchesQuery(qs, p.stems); });
        var elements = index.elements.filter(function (e) { return matchesQuery(qs, e.stems); });
        var total = specs.length + pages.length + elements.length;
        status.textContent = total ? "Найдено: " + total + "." : "Ничего не найдено по запросу «" + text + "».";
        section("Специальности", specs.map(function (s) {
          return link("/catalog/s/" + encodeURIComponent(s.code) + "/", s.name);
        }));
        section("Справка и страницы сайта", pages.slice(0, 20).map(function (p) { return link(p.url, p.title); }));
        var ul = elements.slice(0, PAGE).map(elementItem);
        if (ul.length) {
          out.appendChild(el("h2", "", "Каталог" + (elements.length > PAGE ? " (первые " + PAGE + " из " + elements.length + ")" : "")));
          var list = el("ol", "nmo-list");
          ul.forEach(function (li) { list.appendChild(li); });
          out.appendChild(list);
        }
      }, function () { status.textContent = "Не удалось загрузить указатель поиска. Обновите страницу."; });
    }

    box.addEventListener("submit", function (ev) {
      ev.preventDefault();
      history.replaceState(null, "", location.pathname + "?q=" + encodeURIComponent(input.value));
      run(input.value);
    });
    if (q) { run(q); }
  }

  // The calendar opens on the visitor's current month when it has events.
  function calendarIndex() {
    var months = document.getElementById("nmo-months");
    if (!months) { return; }
    var current = months.querySelector("a[data-month='" + localToday().slice(0, 7) + "']");
    if (current) { location.replace(current.getAttribute("href")); }
  }

  catalogFilters();
  siteSearch();
  calendarIndex();
}());

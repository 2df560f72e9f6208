/* The regional dashboard (role analyst): the heat map specialty × month of expiry, a bar per
   organization, one organization drilled into; each with its table under it and an XLSX export.
   Values from the API go into the page as text, never as HTML. Counts of 1–4 people arrive as
   «<5» and stay so, as do the counts the API hides so that such a count cannot be computed from
   a total (secondary suppression: decided by the API, never recomputed here). */
(function () {
  "use strict";

  var root = document.getElementById("nmo-dash");
  if (!root) { return; }
  var el = NMO.el, clear = NMO.clear;
  var request = NMO.api.request, errorOf = NMO.api.error;
  var region = null;

  function $(selector) { return root.querySelector(selector); }
  function show(selector, on) { $(selector).hidden = !on; }

  var MONTHS = ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"];
  function monthName(ym) { return MONTHS[parseInt(ym.slice(5, 7), 10) - 1] + " " + ym.slice(2, 4); }
  function num(value) { return typeof value === "number" ? value : 0; }
  function text(value) { return value === null || value === undefined ? "<5" : String(value); }

  var COLUMNS = [
    ["specialists", "Всего"], ["met", "Выполнили"], ["behind", "Отстают"],
    ["window_open", "Окно открыто, не хватает часов"], ["window_missing_dpp_pk", "Не хватает ДПП ПК, ч"],
    ["window_missing_any", "Не хватает прочих, ч"]
  ];

  // One table: a row per specialty (or organization) and month with something in it.
  function table(node, rows, first, onPick) {
    clear(node);
    node.appendChild(el("caption", { "class": "md-visually-hidden", text: first + " по месяцам истечения" }));
    var head = el("tr", {}, [el("th", { scope: "col", text: first }), el("th", { scope: "col", text: "Месяц" })]);
    COLUMNS.forEach(function (c) { head.appendChild(el("th", { scope: "col", text: c[1] })); });
    node.appendChild(el("thead", {}, [head]));
    var body = el("tbody");
    rows.forEach(function (row) {
      Object.keys(row.months).forEach(function (month) {
        var cell = row.months[month];
        if (cell.specialists === 0) { return; }
        var name = onPick
          ? el("button", { type: "button", "class": "nmo-dash__pick", text: row.name })
          : document.createTextNode(row.name);
        if (onPick) { name.addEventListener("click", function () { onPick(row); }); }
        var tr = el("tr", {}, [el("th", { scope: "row" }, [name]), el("td", { text: monthName(month) })]);
        COLUMNS.forEach(function (c) { tr.appendChild(el("td", { text: text(cell[c[0]]) })); });
        body.appendChild(tr);
      });
    });
    node.appendChild(body);
  }

  // The heat map: CSS grid cells, darker where more people need action.
  function heat(data, measure) {
    var node = $(".nmo-dash__heat");
    clear(node);
    node.style.gridTemplateColumns = "minmax(8rem, 1fr) repeat(" + data.months.length + ", minmax(1.6rem, auto))";
    node.appendChild(el("span", { "class": "nmo-dash__label", text: "" }));
    data.months.forEach(function (m) { node.appendChild(el("span", { text: monthName(m) })); });
    var top = 1;
    data.specialties.forEach(function (row) {
      data.months.forEach(function (m) { top = Math.max(top, num(row.months[m][measure])); });
    });
    data.specialties.forEach(function (row) {
      node.appendChild(el("span", { "class": "nmo-dash__label", text: row.name }));
      data.months.forEach(function (m) {
        var value = row.months[m][measure];
        var share = value === "<5" ? 0.05 : num(value) / top;
        var light = Math.round(97 - share * 55);
        var span = el("span", { text: value === 0 ? "" : String(value), title: row.name + ", " + monthName(m) + ": " + value });
        span.style.background = "hsl(0, 70%, " + light + "%)";
        if (light < 60) { span.style.color = "#fff"; }
        node.appendChild(span);
      });
    });
  }

  function bars(data) {
    var node = $(".nmo-dash__bars");
    clear(node);
    node.appendChild(el("p", { "class": "nmo-dash__legend" }, [
      el("span", { "class": "nmo-dash__bar-part--window" }), "окно открыто, не хватает часов",
      el("span", { "class": "nmo-dash__bar-part--behind" }), "отстают",
      el("span", { "class": "nmo-dash__bar-part--rest" }), "остальные"
    ]));
    var top = 1;
    data.organizations.forEach(function (o) { top = Math.max(top, num(o.total.specialists)); });
    data.organizations.forEach(function (o) {
      var total = num(o.total.specialists), win = num(o.total.window_open), behind = num(o.total.behind);
      var track = el("span", { "class": "nmo-dash__bar-track", "aria-hidden": "true" });
      // A hidden total («<5»: few people, or hidden so that a small one cannot be computed) has
      // no length to draw: the track is hatched instead of looking like an empty organization.
      if (typeof o.total.specialists !== "number") {
        track.className += " nmo-dash__bar-track--hidden";
        track.setAttribute("title", "Число скрыто для защиты данных");
      }
      [["window", win], ["behind", behind], ["rest", Math.max(0, total - win - behind)]].forEach(function (p) {
        var part = el("span", { "class": "nmo-dash__bar-part nmo-dash__bar-part--" + p[0] });
        part.style.width = (100 * p[1] / top) + "%";
        track.appendChild(part);
      });
      var pick = el("button", { type: "button", text: o.name });
      pick.addEventListener("click", function () { detail(o.id); });
      node.appendChild(el("div", { "class": "nmo-dash__bar" }, [
        pick, track, el("span", { text: text(o.total.specialists) })
      ]));
    });
    table($(".nmo-dash__orgs"), data.organizations, "Организация", function (row) { detail(row.id); });
  }

  function detail(orgId) {
    request("GET", "/api/stats/organizations/" + encodeURIComponent(orgId)).then(function (r) {
      if (r.status !== 200) { fatal(errorOf(r, "Не удалось открыть организацию.").message); return; }
      $("#nmo-dash-detail-title").textContent = r.body.organization.name;
      $(".nmo-dash__detail-export").setAttribute("href", "/api/stats/export?view=organization&org_id=" + encodeURIComponent(orgId));
      table($(".nmo-dash__detail-table"), r.body.specialties, "Специальность");
      show(".nmo-dash__detail", true);
      $("#nmo-dash-detail-title").scrollIntoView();
    });
  }

  function eventsTable(node, rows, first) {
    clear(node);
    var cols = [["events", "Мероприятий"], ["registrations", "Записей"], ["waiting", "В листе ожидания"],
      ["attendance_rate", "Посещаемость"], ["codes_issued", "Кодов выдано"], ["codes_redeemed", "Кодов введено"]];
    var head = el("tr", {}, [el("th", { scope: "col", text: first })]);
    cols.forEach(function (c) { head.appendChild(el("th", { scope: "col", text: c[1] })); });
    node.appendChild(el("thead", {}, [head]));
    var body = el("tbody");
    rows.forEach(function (row) {
      var tr = el("tr", {}, [el("th", { scope: "row", text: row.name })]);
      cols.forEach(function (c) {
        var v = row[c[0]];
        if (c[0] === "attendance_rate") { v = v === null ? "—" : Math.round(v * 100) + " %"; }
        tr.appendChild(el("td", { text: String(v) }));
      });
      body.appendChild(tr);
    });
    node.appendChild(body);
  }

  function events() {
    request("GET", "/api/stats/events").then(function (r) {
      if (r.status !== 200) { return; }
      eventsTable($(".nmo-dash__events-org"), r.body.organizers, "Организатор");
      eventsTable($(".nmo-dash__events-spec"), r.body.specialties, "Специальность");
    });
  }

  function fatal(message) {
    var node = $(".nmo-dash__fatal");
    node.textContent = message;
    node.hidden = false;
  }

  NMO.api.me().then(function (r) {
    show(".nmo-dash__loading", false);
    if (r.status === 401) { show(".nmo-dash__login", true); return null; }
    if (r.status !== 200) { fatal("Сервер портала недоступен. Попробуйте обновить страницу позже."); return null; }
    if ((r.body.roles || []).indexOf("analyst") < 0) { show(".nmo-dash__denied", true); return null; }
    return Promise.all([request("GET", "/api/stats/region"), request("GET", "/api/stats/organizations")]);
  }).then(function (answers) {
    if (!answers) { return; }
    if (answers[0].status !== 200 || answers[1].status !== 200) {
      fatal(errorOf(answers[0].status !== 200 ? answers[0] : answers[1], "Не удалось загрузить показатели.").message);
      return;
    }
    region = answers[0].body;
    show(".nmo-dash__content", true);
    heat(region, $(".nmo-dash__measure").value);
    table($(".nmo-dash__region"), region.specialties, "Специальность");
    bars(answers[1].body);
    events();
    $(".nmo-dash__measure").addEventListener("change", function (e) { heat(region, e.target.value); });
  }).catch(function () { fatal("Сервер портала недоступен. Попробуйте обновить страницу позже."); });
}());

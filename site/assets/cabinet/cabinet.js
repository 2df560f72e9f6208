/* The personal cabinet: cycles and progress, code entry, suggestions, registrations, the credit
   ledger with exports, specialties, the ЕГИСЗ consent and the history. Talks to /api/* on the same
   origin; every value from the API goes into the page as text, never as HTML. */
(function () {
  "use strict";

  var root = document.getElementById("nmo-cabinet");
  if (!root) { return; }

  var me = null;
  var cycles = [];
  var creditsCursor = null;
  var KIND_NAMES = { dpp_pk: "ДПП ПК", iom: "ИОМ", event: "Мероприятие" };
  var REG_STATUS = {
    confirmed: "место подтверждено", waitlisted: "в листе ожидания",
    cancelled: "запись отменена", event_cancelled: "мероприятие отменено"
  };
  var SVG = "http://www.w3.org/2000/svg";
  var el = NMO.el, clear = NMO.clear, ruDate = NMO.ruDate;
  var request = NMO.api.request, errorMessage = NMO.api.errorMessage;

  function $(selector) { return root.querySelector(selector); }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function num(value) {
    var n = Number(value) || 0;
    return (Math.round(n * 100) / 100).toLocaleString("ru-RU");
  }

  function setResult(node, text, ok) {
    node.textContent = text;
    node.className = node.className.replace(/ ?nmo-cab__(ok|err)/g, "") + (ok ? " nmo-cab__ok" : " nmo-cab__err");
  }

  // --- cycles -----------------------------------------------------------------------------

  function bar(label, earned, required, extraClass) {
    var share = required > 0 ? Math.min(100, (earned / required) * 100) : 100;
    var fill = el("div", { "class": "nmo-cab__bar-fill" });
    var track = el("div", {
      "class": "nmo-cab__bar-track", role: "progressbar", "aria-label": label,
      "aria-valuemin": "0", "aria-valuemax": String(required), "aria-valuenow": String(Math.min(earned, required))
    }, [fill]);
    // Set after insertion so the width animates from zero (CSSOM, allowed under the CSP).
    window.requestAnimationFrame(function () { fill.style.width = share.toFixed(1) + "%"; });
    return el("div", { "class": "nmo-cab__bar " + (extraClass || "") }, [
      el("div", { "class": "nmo-cab__bar-label" }, [
        el("span", { text: label }),
        el("span", { "class": "nmo-cab__bar-value", text: num(earned) + " из " + num(required) })
      ]),
      track
    ]);
  }

  function chart(cycle) {
    var years = cycle.by_year || [];
    var pace = cycle.required.yearly_pace || (cycle.required.total / Math.max(1, years.length));
    var top = Math.max(pace, 1);
    years.forEach(function (y) { top = Math.max(top, Number(y.earned) || 0); });
    var width = 300, height = 130, left = 28, bottom = 28, plot = height - bottom - 10;
    var step = (width - left) / Math.max(1, years.length);
    var root = svg("svg", {
      "class": "nmo-cab__chart", viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-label": "ЗЕТ по годам цикла: " + years.map(function (y) { return y.year + "-й год — " + num(y.earned); }).join(", ")
    });
    root.appendChild(svg("text", { x: 0, y: 12 }, num(top)));
    root.appendChild(svg("text", { x: 0, y: height - bottom }, "0"));
    years.forEach(function (y, i) {
      var h = Math.round(((Number(y.earned) || 0) / top) * plot);
      var x = left + i * step + step * 0.15;
      var rect = svg("rect", { "class": "bar", x: x.toFixed(1), y: height - bottom - h, width: (step * 0.7).toFixed(1), height: h });
      rect.appendChild(svg("title", {}, y.year + "-й год (" + ruDate(y.starts) + "–" + ruDate(y.ends) + "): " + num(y.earned) + " ЗЕТ"));
      root.appendChild(rect);
      root.appendChild(svg("text", { x: (x + step * 0.35).toFixed(1), y: height - bottom + 12, "text-anchor": "middle" }, y.year + "-й"));
      root.appendChild(svg("text", { x: (x + step * 0.35).toFixed(1), y: height - 4, "text-anchor": "middle" }, (y.starts || "").slice(0, 4)));
    });
    var paceY = (height - bottom - (pace / top) * plot).toFixed(1);
    root.appendChild(svg("line", { "class": "pace", x1: left, x2: width, y1: paceY, y2: paceY }));
    return el("figure", {}, [root, el("figcaption", { "class": "nmo-cab__hint", text: "ЗЕТ по годам цикла; пунктир — рекомендуемый темп " + num(pace) + " в год." })]);
  }

  function cycleCard(cycle) {
    var name = cycle.specialty_name || cycle.specialty;
    var req = cycle.required, earned = cycle.earned, missing = cycle.missing;
    var parts = [
      el("h3", { text: name }),
      el("p", { "class": "nmo-cab__dates", text: "Цикл " + ruDate(cycle.starts) + " — " + ruDate(cycle.ends) }),
      el("p", { "class": "nmo-cab__rule", text: cycle.rule_set_title || cycle.rule_set }),
      el("span", { "class": "nmo-cab__status nmo-cab__status--" + cycle.status, text: cycle.status_text }),
      bar("Всего ЗЕТ", earned.total, req.total, "nmo-cab__bar--total")
    ];
    if (req.dpp_pk > 0) { parts.push(bar("ДПП ПК", earned.dpp_pk, req.dpp_pk, "nmo-cab__bar--dpp")); }
    if (req.other_max !== null && req.other_max !== undefined) {
      parts.push(bar("ИОМ и мероприятия (засчитывается до " + num(req.other_max) + ")", earned.other, req.other_max, "nmo-cab__bar--other"));
    }
    var missingText;
    if (missing.total > 0) {
      missingText = "Не хватает: " + num(missing.total) + " ЗЕТ" +
        (missing.dpp_pk > 0 ? ", из них ДПП ПК — " + num(missing.dpp_pk) : "") + ".";
    } else {
      missingText = "Набрано всё, что требуется за цикл.";
    }
    parts.push(el("p", { "class": "nmo-cab__missing", text: missingText }));
    if (earned.other_over_limit > 0) {
      parts.push(el("p", { "class": "nmo-cab__hint", text: num(earned.other_over_limit) + " ч ИОМ и мероприятий сверх предела в зачёт не идут." }));
    }
    parts.push(el("p", { "class": "nmo-cab__portfolio", text: cycle.portfolio_window_open
      ? "Портфолио на периодическую аккредитацию можно подать сейчас — до " + ruDate(cycle.expires) + "."
      : "Портфолио можно подать с " + ruDate(cycle.portfolio_window_opens) + " по " + ruDate(cycle.expires) + "." }));
    parts.push(chart(cycle));
    return el("article", { "class": "nmo-cab__cycle", "data-specialty": cycle.specialty }, parts);
  }

  function loadCycles() {
    return request("GET", "/api/me/cycles").then(function (r) {
      if (r.status !== 200) { throw new Error(errorMessage(r.body, "Не удалось загрузить циклы.")); }
      cycles = r.body.items || [];
      var box = $(".nmo-cab__cycles");
      clear(box);
      cycles.forEach(function (c) { box.appendChild(cycleCard(c)); });
      $(".nmo-cab__no-cycles").hidden = cycles.length > 0;
      fillFilter();
      return loadSuggestions();
    });
  }

  // --- suggestions ------------------------------------------------------------------------

  function loadSuggestions() {
    var box = $(".nmo-cab__suggestions");
    clear(box);
    var open = cycles.filter(function (c) { return c.missing.total > 0; });
    $(".nmo-cab__suggest-empty").hidden = open.length > 0 || cycles.length === 0;
    return Promise.all(open.map(function (cycle) {
      return request("GET", "/api/catalog/elements?specialty=" + encodeURIComponent(cycle.specialty) + "&limit=50").then(function (r) {
        var items = (r.status === 200 && r.body && r.body.items) || [];
        var today = new Date().toISOString().slice(0, 10);
        items = items.filter(function (e) { return !e.starts_on || e.starts_on >= today; });
        // ДПП ПК first when those hours are short; then the rest by date.
        var dppFirst = cycle.missing.dpp_pk > 0;
        items.sort(function (a, b) {
          var ka = dppFirst && a.kind === "dpp_pk" ? 0 : 1, kb = dppFirst && b.kind === "dpp_pk" ? 0 : 1;
          if (ka !== kb) { return ka - kb; }
          return String(a.starts_on || "9999").localeCompare(String(b.starts_on || "9999"));
        });
        var list = el("ul");
        items.slice(0, 5).forEach(function (e) {
          list.appendChild(el("li", {}, [
            el("a", { href: "/catalog/e/" + encodeURIComponent(e.id) + "/", text: e.title }),
            " — " + (KIND_NAMES[e.kind] || e.kind) + ", " + num(e.hours) + " ЗЕТ" +
              (e.starts_on ? ", с " + ruDate(e.starts_on) : "") + (e.city ? ", " + e.city : "")
          ]));
        });
        var title = (cycle.specialty_name || cycle.specialty) + ": не хватает " + num(cycle.missing.total) + " ЗЕТ" +
          (cycle.missing.dpp_pk > 0 ? " (ДПП ПК — " + num(cycle.missing.dpp_pk) + ")" : "");
        box.appendChild(el("div", { "class": "nmo-cab__suggest" }, [
          el("h3", { text: title }),
          items.length ? list : el("p", {}, ["Подходящих элементов сейчас нет. ", el("a", { href: "/catalog/s/" + encodeURIComponent(cycle.specialty) + "/", text: "Каталог по специальности" })])
        ]));
      }).catch(function () { /* suggestions are a convenience: the cabinet works without them */ });
    }));
  }

  // --- credits ----------------------------------------------------------------------------

  function fillFilter() {
    var select = $("#nmo-cab-filter");
    var chosen = select.value;
    while (select.options.length > 1) { select.remove(1); }
    cycles.forEach(function (c) {
      select.appendChild(el("option", { value: c.specialty, text: c.specialty_name || c.specialty }));
    });
    select.value = chosen;
  }

  function cell(label, text) { return el("td", { "data-label": label, text: text }); }

  function loadCredits(append) {
    var params = [];
    var specialty = $("#nmo-cab-filter").value;
    if (specialty) { params.push("specialty=" + encodeURIComponent(specialty)); }
    if (append && creditsCursor) { params.push("cursor=" + encodeURIComponent(creditsCursor)); }
    return request("GET", "/api/me/credits" + (params.length ? "?" + params.join("&") : "")).then(function (r) {
      if (r.status !== 200) { throw new Error(errorMessage(r.body, "Не удалось загрузить зачтённые элементы.")); }
      var body = $(".nmo-cab__credits tbody");
      if (!append) { clear(body); }
      (r.body.items || []).forEach(function (c) {
        body.appendChild(el("tr", {}, [
          cell("Дата", ruDate(c.completed_on)),
          cell("Вид", c.kind_name || c.kind),
          cell("Название", c.title),
          cell("ЗЕТ", num(c.hours)),
          cell("Специальность", c.specialty_name || c.specialty),
          cell("Источник", c.source_name || c.source),
          cell("Документ", c.document || "—")
        ]));
      });
      creditsCursor = r.body.cursor || null;
      $(".nmo-cab__more").hidden = !creditsCursor;
      $(".nmo-cab__credits-empty").hidden = body.children.length > 0;
    });
  }

  // --- codes ------------------------------------------------------------------------------

  function setupCodeForm() {
    var form = $(".nmo-cab__code-form");
    var input = $("#nmo-cab-code");
    var result = $(".nmo-cab__code-result");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var code = input.value.trim();
      if (!code) { setResult(result, "Введите код подтверждения.", false); input.focus(); return; }
      var button = form.querySelector("button");
      button.disabled = true;
      setResult(result, "Проверяем код…", true);
      request("POST", "/api/me/credits/codes", { code: code }).then(function (r) {
        if (r.status === 201) {
          var c = r.body.credit;
          setResult(result, "Зачтено: «" + c.title + "», " + num(c.hours) + " ЗЕТ (" + ruDate(c.completed_on) + ")." +
            (r.body.counts_in_cycle ? "" : " Дата вне текущего цикла — в прогресс не входит."), true);
          input.value = "";
          return refreshAfterChange();
        }
        var message = errorMessage(r.body, "Не удалось зачесть код.");
        if (r.status === 429) {
          var wait = Number(r.headers.get("Retry-After")) || 0;
          if (wait) { message += " Повторить можно через " + Math.ceil(wait / 60) + " мин."; }
        }
        setResult(result, message, false);
      }).catch(function () {
        setResult(result, "Нет связи с порталом. Проверьте подключение и повторите.", false);
      }).then(function () { button.disabled = false; });
    });
  }

  // --- registrations ----------------------------------------------------------------------

  function loadRegistrations() {
    return request("GET", "/api/me/registrations").then(function (r) {
      var box = $(".nmo-cab__registrations");
      clear(box);
      var items = (r.status === 200 && r.body && r.body.items) || [];
      $(".nmo-cab__reg-empty").hidden = items.length > 0;
      if (!items.length) { return; }
      var table = el("table", { "class": "nmo-cab__table" }, [
        el("thead", {}, [el("tr", {}, ["Мероприятие", "Начало", "Статус", "Коды"].map(function (t) { return el("th", { scope: "col", text: t }); }))]),
        el("tbody")
      ]);
      items.forEach(function (reg) {
        var status = REG_STATUS[reg.status] || reg.status;
        if (reg.status === "waitlisted" && reg.position) { status += ", место в очереди: " + reg.position; }
        var codes = el("td", { "data-label": "Коды" });
        (reg.codes || []).forEach(function (c) {
          var use = el("button", { type: "button", "class": "md-button nmo-cab__use-code", text: ruDate(c.day) + ": " + c.code });
          use.addEventListener("click", function () {
            $("#nmo-cab-code").value = c.code;
            $("#nmo-cab-code").focus();
          });
          codes.appendChild(use);
        });
        if (!codes.firstChild) { codes.textContent = "—"; }
        table.tBodies[0].appendChild(el("tr", {}, [
          el("td", { "data-label": "Мероприятие" }, [el("a", { href: "/catalog/e/" + encodeURIComponent(reg.event_id) + "/", text: reg.title || reg.event_id })]),
          cell("Начало", reg.starts_at ? ruDate(reg.starts_at.slice(0, 10)) : ""),
          cell("Статус", status),
          codes
        ]));
      });
      box.appendChild(table);
    });
  }

  // --- specialties ------------------------------------------------------------------------

  var choices = [];
  var ruleSets = [];

  function fillChoices(select) {
    var level = $("#nmo-cab-level").value;
    clear(select);
    select.appendChild(el("option", { value: "", text: "— выберите —" }));
    choices.forEach(function (c) {
      if (c.education_level === level) { select.appendChild(el("option", { value: c.code, text: c.name })); }
    });
  }

  function specRow(entry) {
    var select = el("select", { name: "code", "aria-label": "Специальность" });
    fillChoices(select);
    select.value = entry.code || "";
    var date = el("input", { type: "date", name: "admitted_on", value: entry.admitted_on || "" });
    var kind = el("select", { name: "document_kind" }, [
      el("option", { value: "accreditation", text: "свидетельство об аккредитации" }),
      el("option", { value: "certificate", text: "сертификат" })
    ]);
    kind.value = entry.document_kind || "accreditation";
    var rules = el("select", { name: "rule_set" }, [el("option", { value: "", text: "по умолчанию портала" })]);
    ruleSets.forEach(function (r) { rules.appendChild(el("option", { value: r.id, text: r.title })); });
    rules.value = entry.rule_set || "";
    var remove = el("button", { type: "button", "class": "md-button", text: "Удалить" });
    var row = el("div", { "class": "nmo-cab__spec-row" }, [
      el("label", {}, ["Специальность", select]),
      el("label", {}, ["Дата выдачи документа", date]),
      el("label", {}, ["Документ", kind]),
      el("label", {}, ["Правила зачёта", rules]),
      remove
    ]);
    remove.addEventListener("click", function () { row.parentNode.removeChild(row); });
    return row;
  }

  function loadSpecialties() {
    return request("GET", "/api/me/specialties").then(function (r) {
      if (r.status !== 200) { return; }
      choices = r.body.choices || [];
      ruleSets = r.body.rule_sets || [];
      if (r.body.education_level) { $("#nmo-cab-level").value = r.body.education_level; }
      var rows = $(".nmo-cab__spec-rows");
      clear(rows);
      (r.body.specialties || []).forEach(function (s) { rows.appendChild(specRow(s)); });
    });
  }

  function setupSpecialtiesForm() {
    var form = $(".nmo-cab__spec-form");
    var result = $(".nmo-cab__spec-result");
    $(".nmo-cab__spec-add").addEventListener("click", function () { $(".nmo-cab__spec-rows").appendChild(specRow({})); });
    $("#nmo-cab-level").addEventListener("change", function () {
      // Specialties offered follow the chosen education level (V021 gives each its level).
      Array.prototype.forEach.call(form.querySelectorAll("select[name=code]"), function (select) {
        var chosen = select.value;
        fillChoices(select);
        select.value = chosen;
      });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var entries = Array.prototype.map.call(form.querySelectorAll(".nmo-cab__spec-row"), function (row) {
        return {
          code: row.querySelector("[name=code]").value,
          admitted_on: row.querySelector("[name=admitted_on]").value,
          document_kind: row.querySelector("[name=document_kind]").value,
          rule_set: row.querySelector("[name=rule_set]").value || null
        };
      });
      request("PUT", "/api/me/specialties", { education_level: $("#nmo-cab-level").value, specialties: entries }).then(function (r) {
        if (r.status !== 200) { setResult(result, errorMessage(r.body, "Не удалось сохранить."), false); return; }
        setResult(result, "Сохранено. Циклы пересчитаны.", true);
        return Promise.all([loadSpecialties(), refreshAfterChange()]);
      });
    });
  }

  // --- consent and history ----------------------------------------------------------------

  function setupConsent() {
    var box = $(".nmo-cab__consent");
    var result = $(".nmo-cab__consent-result");
    box.checked = Boolean(me.consent && me.consent.egisz);
    box.addEventListener("change", function () {
      var wanted = box.checked;
      box.disabled = true;
      request("PUT", "/api/me/consent", { egisz: wanted }).then(function (r) {
        if (r.status !== 200) {
          box.checked = !wanted;
          setResult(result, errorMessage(r.body, "Не удалось изменить согласие."), false);
          return;
        }
        setResult(result, wanted ? "Согласие дано." : "Согласие отозвано.", true);
        return loadHistory();
      }).then(function () { box.disabled = false; });
    });
  }

  function loadHistory() {
    return request("GET", "/api/me/history").then(function (r) {
      var list = $(".nmo-cab__history");
      clear(list);
      var items = (r.status === 200 && r.body && r.body.items) || [];
      $(".nmo-cab__history-empty").hidden = items.length > 0;
      items.forEach(function (h) {
        var when = new Date(h.at);
        var detail = "";
        if (h.after && h.after.title) { detail = ": «" + h.after.title + "», " + num(h.after.hours) + " ЗЕТ"; }
        list.appendChild(el("li", {}, [
          el("time", { datetime: h.at, text: isNaN(when) ? h.at : when.toLocaleString("ru-RU") }),
          " — " + h.action_text + detail + " (" + h.actor + ")"
        ]));
      });
    });
  }

  function refreshAfterChange() {
    return Promise.all([loadCycles(), loadCredits(false), loadHistory()]);
  }

  // --- start ------------------------------------------------------------------------------

  function showState(state) {
    root.setAttribute("data-state", state);
    $(".nmo-cab__loading").hidden = state !== "loading";
    $(".nmo-cab__login").hidden = state !== "login";
    $(".nmo-cab__content").hidden = state !== "ready";
  }

  function fatal(message) {
    showState("error");
    var node = $(".nmo-cab__fatal");
    node.textContent = message;
    node.hidden = false;
  }

  NMO.api.me().then(function (r) {
    if (r.status === 401) {
      $(".nmo-cab__login-link").href = NMO.api.loginUrl(location.pathname);
      showState("login");
      return null;
    }
    if (r.status !== 200 || !r.body) { throw new Error(errorMessage(r.body, "Не удалось загрузить профиль.")); }
    me = r.body;
    $(".nmo-cab__name").textContent = me.full_name || "";
    $(".nmo-cab__snils").textContent = me.snils_masked ? ", СНИЛС " + me.snils_masked : "";
    setupCodeForm();
    setupSpecialtiesForm();
    setupConsent();
    $("#nmo-cab-filter").addEventListener("change", function () { loadCredits(false); });
    $(".nmo-cab__more").addEventListener("click", function () { loadCredits(true); });
    return Promise.all([loadCycles(), loadCredits(false), loadRegistrations(), loadHistory(), loadSpecialties()])
      .then(function () { showState("ready"); });
  }).catch(function (err) {
    fatal((err && err.message) || "Портал временно недоступен. Обновите страницу через минуту.");
  });
})();

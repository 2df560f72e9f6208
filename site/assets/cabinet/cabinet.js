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
    // The dashed line: the pace the person switched on, else an even share of the requirement.
    var pace = cycle.pace ? cycle.pace.yearly : (cycle.required.total / Math.max(1, years.length));
    var top = Math.max(pace, 1);
    years.forEach(function (y) { top = Math.max(top, Number(y.earned) || 0); });
    var width = 300, height = 130, left = 28, bottom = 28, plot = height - bottom - 10;
    var step = (width - left) / Math.max(1, years.length);
    var root = svg("svg", {
      "class": "nmo-cab__chart", viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-label": "Часы по годам цикла: " + years.map(function (y) { return y.year + "-й год — " + num(y.earned); }).join(", ")
    });
    root.appendChild(svg("text", { x: 0, y: 12 }, num(top)));
    root.appendChild(svg("text", { x: 0, y: height - bottom }, "0"));
    years.forEach(function (y, i) {
      var h = Math.round(((Number(y.earned) || 0) / top) * plot);
      var x = left + i * step + step * 0.15;
      var rect = svg("rect", { "class": "bar", x: x.toFixed(1), y: height - bottom - h, width: (step * 0.7).toFixed(1), height: h });
      rect.appendChild(svg("title", {}, y.year + "-й год (" + ruDate(y.starts) + "–" + ruDate(y.ends) + "): " + num(y.earned) + " ч"));
      root.appendChild(rect);
      root.appendChild(svg("text", { x: (x + step * 0.35).toFixed(1), y: height - bottom + 12, "text-anchor": "middle" }, y.year + "-й"));
      root.appendChild(svg("text", { x: (x + step * 0.35).toFixed(1), y: height - 4, "text-anchor": "middle" }, (y.starts || "").slice(0, 4)));
    });
    var paceY = (height - bottom - (pace / top) * plot).toFixed(1);
    root.appendChild(svg("line", { "class": "pace", x1: left, x2: width, y1: paceY, y2: paceY }));
    var caption = cycle.pace
      ? "Часы по годам цикла; пунктир — " + cycle.pace.title.toLowerCase() + "."
      : "Часы по годам цикла; пунктир — равная доля требования, " + num(pace) + " ч в год.";
    return el("figure", {}, [root, el("figcaption", { "class": "nmo-cab__hint", text: caption })]);
  }

  function cycleCard(cycle) {
    var name = cycle.specialty_name || cycle.specialty;
    var req = cycle.required, earned = cycle.earned;
    var parts = [
      el("h3", { text: name }),
      el("p", { "class": "nmo-cab__dates", text: "Документ о допуске от " + ruDate(cycle.starts) + ", действует до " + ruDate(cycle.expires) }),
      el("p", { "class": "nmo-cab__rule", text: cycle.rule_set_title || cycle.rule_set }),
      el("span", { "class": "nmo-cab__status nmo-cab__status--" + cycle.status, text: cycle.status_text }),
      el("p", { "class": "nmo-cab__summary", text: cycle.summary }),
      bar("Всего часов", earned.total, req.total, "nmo-cab__bar--total")
    ];
    if (req.dpp_pk > 0) { parts.push(bar("ДПП ПК (не менее " + num(req.dpp_pk) + " ч)", earned.dpp_pk, req.dpp_pk, "nmo-cab__bar--dpp")); }
    if (req.other_max !== null && req.other_max !== undefined) {
      parts.push(bar("ИОМ и мероприятия (засчитывается до " + num(req.other_max) + " ч)", earned.other, req.other_max, "nmo-cab__bar--other"));
    }
    if (earned.other_over_limit > 0) {
      parts.push(el("p", { "class": "nmo-cab__hint", text: num(earned.other_over_limit) + " ч ИОМ и мероприятий сверх предела в зачёт не идут." }));
    }
    if (cycle.pace) {
      parts.push(el("p", { "class": "nmo-cab__pace", text: cycle.pace.title + ": к сегодняшнему дню по темпу " +
        num(cycle.pace.expected_by_now) + " ч, засчитано для темпа " + num(cycle.pace.counted_for_pace) + " ч — " +
        (cycle.pace.keeping ? "темп соблюдается." : "темп не соблюдается (это рекомендация, не требование).") }));
    }
    parts.push(chart(cycle));
    return el("article", { "class": "nmo-cab__cycle", "data-specialty": cycle.specialty, "data-status": cycle.status }, parts);
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
      return loadPlan();
    });
  }

  // --- the learning plan ------------------------------------------------------------------

  function planBar(label, earned, planned, required) {
    var total = Math.max(required, 1);
    var done = el("div", { "class": "nmo-cab__bar-fill" });
    var ahead = el("div", { "class": "nmo-cab__bar-plan" });
    var track = el("div", {
      "class": "nmo-cab__bar-track nmo-cab__bar-track--plan", role: "progressbar", "aria-label": label + ": засчитано и в плане",
      "aria-valuemin": "0", "aria-valuemax": String(required), "aria-valuenow": String(Math.min(earned + planned, required))
    }, [done, ahead]);
    window.requestAnimationFrame(function () {
      done.style.width = Math.min(100, earned / total * 100).toFixed(1) + "%";
      ahead.style.width = Math.max(0, Math.min(100 - earned / total * 100, planned / total * 100)).toFixed(1) + "%";
    });
    return el("div", { "class": "nmo-cab__bar" }, [
      el("div", { "class": "nmo-cab__bar-label" }, [
        el("span", { text: label }),
        el("span", { "class": "nmo-cab__bar-value", text: num(earned) + " + в плане " + num(planned) + " из " + num(required) })
      ]),
      track
    ]);
  }

  function planItem(item, specialty) {
    var when = item.starts_on ? (item.ends_on && item.ends_on !== item.starts_on
      ? ruDate(item.starts_on) + "–" + ruDate(item.ends_on) : ruDate(item.starts_on)) : "в любое время";
    var remove = el("button", { type: "button", "class": "md-button nmo-cab__plan-remove", text: "Убрать из плана" });
    remove.addEventListener("click", function () {
      remove.disabled = true;
      request("DELETE", "/api/me/plan/" + encodeURIComponent(item.element_id) + "?specialty=" + encodeURIComponent(specialty)).then(function (r) {
        if (r.status !== 200) { remove.disabled = false; planMessage(errorMessage(r.body, "Не удалось убрать из плана."), false); return; }
        renderPlan(r.body);
        planMessage("«" + item.title + "» убран из плана.", true);
      });
    });
    var parts = [
      el("a", { href: item.url, text: item.title }),
      " — " + (item.kind_name || item.kind) + ", " + num(item.hours) + " ч, " + when
    ];
    if (item.done) { parts.push(el("span", { "class": "nmo-cab__done", text: "пройдено, зачтено" })); }
    (item.warnings || []).forEach(function (w) { parts.push(el("p", { "class": "nmo-cab__warn", "data-code": w.code, text: w.text })); });
    parts.push(remove);
    return el("li", { "class": "nmo-cab__plan-item" + (item.done ? " nmo-cab__plan-item--done" : ""), "data-element": item.element_id }, parts);
  }

  function planMessage(text, ok) { setResult($(".nmo-cab__plan-result"), text, ok); }

  function addToPlan(elementId, specialty, button) {
    button.disabled = true;
    return request("POST", "/api/me/plan", { element_id: elementId, specialty: specialty }).then(function (r) {
      if (r.status !== 200 && r.status !== 201) {
        button.disabled = false;
        planMessage(errorMessage(r.body, "Не удалось добавить в план."), false);
        return;
      }
      renderPlan(r.body);
      planMessage("Добавлено в план.", true);
    });
  }

  function suggestionsFor(box, cycle) {
    return request("GET", "/api/me/plan/suggestions?specialty=" + encodeURIComponent(cycle.specialty)).then(function (r) {
      clear(box);
      if (r.status !== 200 || !r.body || r.body.met) { return; }
      var items = r.body.items || [];
      box.appendChild(el("h4", { text: "Что поможет закрыть разрыв" }));
      if (!items.length) {
        box.appendChild(el("p", {}, ["Подходящих элементов, которые успеют засчитаться, сейчас нет. ",
          el("a", { href: "/catalog/s/" + encodeURIComponent(cycle.specialty) + "/", text: "Каталог по специальности" })]));
        return;
      }
      var list = el("ul", { "class": "nmo-cab__suggest-list" });
      items.forEach(function (e) {
        var add = el("button", { type: "button", "class": "md-button nmo-cab__plan-add", text: "В план" });
        add.addEventListener("click", function () { addToPlan(e.id, cycle.specialty, add); });
        list.appendChild(el("li", { "data-element": e.id }, [
          el("a", { href: e.url, text: e.title }),
          " — " + (e.kind_name || e.kind) + ", " + num(e.hours) + " ч" +
            (e.starts_on ? ", с " + ruDate(e.starts_on) : ", в любое время") + (e.city ? ", " + e.city : ""),
          " ", add
        ]));
      });
      box.appendChild(list);
    }).catch(function () { /* suggestions are a convenience: the plan works without them */ });
  }

  function renderPlan(view) {
    var box = $(".nmo-cab__plan");
    clear(box);
    (view.cycles || []).forEach(function (c) {
      var req = c.required;
      var parts = [
        el("h3", { text: (c.specialty_name || c.specialty) + " — до " + ruDate(c.expires) }),
        el("p", { "class": "nmo-cab__plan-summary", text: c.summary })
      ];
      if (req.dpp_pk > 0) { parts.push(planBar("ДПП ПК", c.earned.dpp_pk, c.planned.dpp_pk, req.dpp_pk)); }
      parts.push(planBar("Всего часов", c.earned.total, Math.max(0, c.projected.total - c.earned.total), req.total));
      var list = el("ul", { "class": "nmo-cab__plan-items" });
      (c.items || []).forEach(function (item) { list.appendChild(planItem(item, c.specialty)); });
      parts.push(c.items && c.items.length ? list : el("p", { "class": "nmo-cab__hint", text: "В плане этого цикла пока ничего нет." }));
      var suggest = el("div", { "class": "nmo-cab__suggestions" });
      parts.push(suggest);
      box.appendChild(el("article", { "class": "nmo-cab__plan-cycle", "data-specialty": c.specialty }, parts));
      if (c.uncovered.total > 0) { suggestionsFor(suggest, c); }
    });
    $(".nmo-cab__plan-empty").hidden = (view.cycles || []).length > 0;
  }

  function loadPlan() {
    return request("GET", "/api/me/plan").then(function (r) {
      if (r.status !== 200) { throw new Error(errorMessage(r.body, "Не удалось загрузить план обучения.")); }
      renderPlan(r.body);
    });
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

  // «Оспорить»: an application about this very record (site/cabinet/applications/).
  function disputeCell(c) {
    var href = "/cabinet/applications/?kind=record_error&record=" + encodeURIComponent(c.id) + "#new";
    return el("td", { "data-label": "Заявление" }, [el("a", { href: href, text: "Оспорить запись" })]);
  }

  // Where a record counts; «не засчитано» with the reason; a move to another eligible cycle.
  function specialtyCell(c) {
    var td = el("td", { "data-label": "Цикл" });
    var wrap = el("div", {}, [el("span", { text: c.specialty_name || c.specialty })]);
    if (c.counted === false) { wrap.appendChild(el("p", { "class": "nmo-cab__warn", text: c.not_counted_reason })); }
    if (c.movable_to && c.movable_to.length) {
      var select = el("select", { "aria-label": "Перенести в цикл" });
      c.movable_to.forEach(function (m) { select.appendChild(el("option", { value: m.specialty, text: m.name })); });
      var move = el("button", { type: "button", "class": "md-button nmo-cab__move", text: "Перенести" });
      move.addEventListener("click", function () {
        move.disabled = true;
        request("PUT", "/api/me/credits/" + encodeURIComponent(c.id) + "/cycle", { specialty: select.value }).then(function (r) {
          var result = $(".nmo-cab__credits-result");
          if (r.status !== 200) { move.disabled = false; setResult(result, errorMessage(r.body, "Не удалось перенести запись."), false); return; }
          setResult(result, "«" + c.title + "» перенесено в цикл «" + (r.body.specialty_name || r.body.specialty) + "».", true);
          return refreshAfterChange();
        });
      });
      wrap.appendChild(el("div", { "class": "nmo-cab__move-row" }, [select, move]));
    }
    td.appendChild(wrap);
    return td;
  }

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
        body.appendChild(el("tr", { "class": c.counted === false ? "nmo-cab__not-counted" : "" }, [
          cell("Дата", ruDate(c.completed_on)),
          cell("Вид", c.kind_name || c.kind),
          cell("Название", c.title),
          cell("Часы", num(c.hours)),
          specialtyCell(c),
          cell("Источник", c.source_name || c.source),
          cell("Документ", c.document || "—"),
          disputeCell(c)
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
          var use = el("button", { type: "button", "class": "md-button nmo-cab__use-code", text: ruDate(c.day) + ": " + c.code,
            title: "Код действует до " + ruDate(c.expires_on) });
          use.addEventListener("click", function () {
            $("#nmo-cab-code").value = c.code;
            $("#nmo-cab-code").focus();
          });
          codes.appendChild(use);
          codes.appendChild(el("span", { "class": "nmo-cab__hint nmo-cab__code-valid", text: " действует до " + ruDate(c.expires_on) }));
        });
        if (!codes.firstChild) { codes.textContent = "—"; }
        var statusCell = cell("Статус", status);
        if (reg.can_cancel) {
          var cancel = el("button", { type: "button", "class": "md-button nmo-cab__reg-cancel", text: "Отменить запись" });
          cancel.addEventListener("click", function () {
            if (!window.confirm("Отменить запись на «" + (reg.title || "мероприятие") + "»? Место перейдёт следующему в листе ожидания.")) { return; }
            cancel.disabled = true;
            request("DELETE", "/api/events/" + encodeURIComponent(reg.event_id) + "/registrations/me").then(function (r) {
              var result = $(".nmo-cab__reg-result");
              if (r.status !== 200) { cancel.disabled = false; setResult(result, errorMessage(r.body, "Не удалось отменить запись."), false); return; }
              setResult(result, "Запись на «" + (reg.title || "мероприятие") + "» отменена.", true);
              return loadRegistrations();
            });
          });
          statusCell.appendChild(el("div", {}, [cancel]));
        }
        table.tBodies[0].appendChild(el("tr", {}, [
          el("td", { "data-label": "Мероприятие" }, [el("a", { href: "/catalog/e/" + encodeURIComponent(reg.event_id) + "/", text: reg.title || reg.event_id })]),
          cell("Начало", reg.starts_at ? ruDate(reg.starts_at.slice(0, 10)) : ""),
          statusCell,
          codes
        ]));
      });
      box.appendChild(table);
    });
  }

  // --- specialties ------------------------------------------------------------------------

  var choices = [];
  var ruleSets = [];
  var paces = [];

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
    // Only the rule sets in force today can be chosen (the 74/70 reading of 709н); an older
    // document gets the rule of its time automatically.
    var rules = el("select", { name: "rule_set" }, [el("option", { value: "", text: "по сроку документа (709н)" })]);
    ruleSets.forEach(function (r) {
      if (!r.effective_to) { rules.appendChild(el("option", { value: r.id, text: r.title })); }
    });
    rules.value = entry.rule_set && rules.querySelector("option[value='" + entry.rule_set + "']") ? entry.rule_set : "";
    var pace = el("input", { type: "checkbox", name: "pace", value: (paces[0] && paces[0].id) || "" });
    pace.checked = Boolean(entry.pace) || (entry.rule_set && !rules.value && paces.some(function (p) { return p.id === entry.rule_set; }));
    var remove = el("button", { type: "button", "class": "md-button", text: "Удалить" });
    var row = el("div", { "class": "nmo-cab__spec-row" }, [
      el("label", {}, ["Специальность", select]),
      el("label", {}, ["Дата выдачи документа", date]),
      el("label", {}, ["Документ", kind]),
      el("label", {}, ["Правила зачёта", rules]),
      paces.length ? el("label", { "class": "nmo-cab__pace-switch" }, [pace, el("span", { text: paces[0].title })]) : "",
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
      paces = r.body.paces || [];
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
          rule_set: row.querySelector("[name=rule_set]").value || null,
          pace: row.querySelector("[name=pace]") && row.querySelector("[name=pace]").checked ? row.querySelector("[name=pace]").value : null
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

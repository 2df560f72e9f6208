/* The organizer's tools: own events, the event form (each API error points at its field), review
   submission, seats, cancellation, participants and attendance. Talks to /api/* on the same
   origin; every value from the API goes into the page as text, never as HTML. */
(function () {
  "use strict";

  var root = document.getElementById("nmo-org");
  if (!root) { return; }

  var me = null;
  var editing = null; // the event being edited (null: a new one)
  var current = null; // the published event opened in the panel
  var STATUS = {
    draft: "черновик", on_review: "на рассмотрении", published: "опубликовано",
    rejected: "отклонено", cancelled: "отменено", finished: "завершено"
  };
  var REG_STATUS = {
    confirmed: "подтверждена", waitlisted: "лист ожидания",
    cancelled: "отменена участником", event_cancelled: "мероприятие отменено"
  };

  function $(selector) { return root.querySelector(selector); }
  function $all(selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }

  var el = NMO.el, clear = NMO.clear, ruDate = NMO.ruDate;
  var request = NMO.api.request, errorOf = NMO.api.error;

  // --- field errors: the API names the field, the form marks it --------------------------

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (node) {
      node.removeAttribute("aria-invalid");
    });
    Array.prototype.forEach.call(form.querySelectorAll(".nmo-org__field-error"), function (node) {
      node.parentNode.removeChild(node);
    });
  }

  function mark(form, field, message) {
    // "days[1].hours" → the input of that day; "days[1]" or "days" → the date or the fieldset.
    var target = form.querySelector('[data-field="' + field + '"]') ||
      form.querySelector('[data-field="' + field.replace(/\.[a-z_]+$/, "") + '"]') ||
      form.querySelector('[data-field="' + field.replace(/\[\d+\].*$/, "") + '"]');
    if (!target) { return null; }
    target.setAttribute("aria-invalid", "true");
    var note = el("p", { "class": "nmo-org__field-error", text: message });
    target.parentNode.insertBefore(note, target.nextSibling);
    return target;
  }

  // Every problem the API listed goes next to its own field; the summary counts them and the
  // first bad field gets the focus.
  function showError(form, err, summary) {
    clearErrors(form);
    var problems = err.problems && err.problems.length ? err.problems : [{ field: err.field, message: err.message }];
    summary.textContent = problems.length > 1
      ? "Исправьте " + problems.length + " " + plural(problems.length) + " — они отмечены ниже."
      : err.message;
    var first = null;
    problems.forEach(function (p) {
      if (!p.field) { return; }
      var target = mark(form, p.field, p.message);
      first = first || target;
    });
    if (first && first.focus) { first.focus(); }
  }

  function plural(n) {
    var mod10 = n % 10, mod100 = n % 100;
    if (mod10 === 1 && mod100 !== 11) { return "поле"; }
    if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) { return "поля"; }
    return "полей";
  }

  // --- the list ---------------------------------------------------------------------------

  var allEvents = [];

  // Ahead (or under way) first, soonest first; then what is over, latest first.
  function ordered(items) {
    var today = new Date().toISOString().slice(0, 10);
    function over(ev) { return ev.status === "finished" || ev.status === "cancelled" || (ev.ends_on || "9999") < today; }
    var ahead = items.filter(function (ev) { return !over(ev); });
    var past = items.filter(over);
    ahead.sort(function (a, b) { return String(a.starts_on).localeCompare(String(b.starts_on)); });
    past.sort(function (a, b) { return String(b.ends_on).localeCompare(String(a.ends_on)); });
    return ahead.concat(past);
  }

  function renderEvents() {
    var box = $(".nmo-org__events");
    clear(box);
    var wanted = $("#nmo-org-status").value;
    var items = ordered(allEvents.filter(function (ev) { return !wanted || ev.status === wanted; }));
    $(".nmo-org__empty").hidden = allEvents.length > 0;
    $(".nmo-org__filter").hidden = allEvents.length === 0;
    if (!items.length) {
      if (allEvents.length) { box.appendChild(el("p", { text: "Мероприятий с таким статусом нет." })); }
      return;
    }
    var table = el("table", { "class": "nmo-org__table" }, [
      el("thead", {}, [el("tr", {}, ["Мероприятие", "Даты", "Статус", "Места", "Действия"].map(function (t) {
        return el("th", { scope: "col", text: t });
      }))]),
      el("tbody")
    ]);
    items.forEach(function (ev) { table.tBodies[0].appendChild(eventRow(ev)); });
    box.appendChild(table);
  }

  function fillStatusFilter() {
    var select = $("#nmo-org-status");
    var chosen = select.value;
    var counts = {};
    allEvents.forEach(function (ev) { counts[ev.status] = (counts[ev.status] || 0) + 1; });
    clear(select);
    select.appendChild(el("option", { value: "", text: "все (" + allEvents.length + ")" }));
    Object.keys(STATUS).forEach(function (key) {
      if (counts[key]) { select.appendChild(el("option", { value: key, text: STATUS[key] + " (" + counts[key] + ")" })); }
    });
    select.value = counts[chosen] ? chosen : "";
  }

  function loadEvents() {
    return request("GET", "/api/organizer/events").then(function (r) {
      if (r.status !== 200) { throw errorOf(r, "Не удалось загрузить мероприятия."); }
      allEvents = r.body.items || [];
      fillStatusFilter();
      renderEvents();
    });
  }

  function eventRow(ev) {
    var actions = el("td", { "data-label": "Действия" });
    function button(text, handler) {
      var b = el("button", { type: "button", "class": "md-button", text: text });
      b.addEventListener("click", handler);
      actions.appendChild(b);
    }
    if (ev.status === "draft" || ev.status === "rejected") {
      button("Изменить", function () { openEditor(ev); });
    }
    if (ev.status === "draft") {
      button("Отправить на рассмотрение", function () { submitEvent(ev, actions); });
    }
    if (ev.status === "published" || ev.status === "finished" || ev.status === "cancelled") {
      // Attendance is offered only once a day is over; before that, the participant list.
      var attendance = (ev.attendance_days || []).length > 0 && ev.status !== "cancelled";
      button(attendance ? "Участники и посещаемость" : "Участники", function () { openPublished(ev.id); });
    }
    var status = STATUS[ev.status] || ev.status;
    if (ev.status === "rejected" && ev.rejection_reason) { status += ": " + ev.rejection_reason; }
    var seats = ev.seats_taken + " из " + ev.capacity + (ev.waitlist_length ? ", в очереди " + ev.waitlist_length : "");
    return el("tr", {}, [
      el("td", { "data-label": "Мероприятие", text: ev.title }),
      el("td", { "data-label": "Даты", text: ruDate(ev.starts_on) + (ev.ends_on !== ev.starts_on ? " – " + ruDate(ev.ends_on) : "") }),
      el("td", { "data-label": "Статус", text: status }),
      el("td", { "data-label": "Места", text: seats }),
      actions
    ]);
  }

  function submitEvent(ev, cell) {
    request("POST", "/api/organizer/events/" + encodeURIComponent(ev.id) + "/submit", {}).then(function (r) {
      if (r.status === 200) { return loadEvents(); }
      cell.appendChild(el("p", { "class": "nmo-org__field-error", role: "alert", text: errorOf(r, "Не удалось отправить.").message }));
    });
  }

  // --- the form ---------------------------------------------------------------------------

  function dayRow(day) {
    var i = $all(".nmo-org__day").length;
    var parts = day ? { date: day.starts_at.slice(0, 10), start: day.starts_at.slice(11, 16), end: day.ends_at.slice(11, 16), hours: day.hours } : { date: "", start: "10:00", end: "16:00", hours: 6 };
    var row = el("div", { "class": "nmo-org__day" }, [
      el("label", { text: "День " + (i + 1) + ": дата" }, [el("input", { type: "date", "class": "nmo-d-date", value: parts.date, "data-field": "days[" + i + "]" })]),
      el("label", { text: "начало" }, [el("input", { type: "time", "class": "nmo-d-start", value: parts.start, "data-field": "days[" + i + "].starts_at" })]),
      el("label", { text: "окончание" }, [el("input", { type: "time", "class": "nmo-d-end", value: parts.end, "data-field": "days[" + i + "].ends_at" })]),
      el("label", { text: "академических часов (1–6)" }, [el("input", { type: "number", min: "1", max: "6", step: "1", "class": "nmo-d-hours", value: String(parts.hours), "data-field": "days[" + i + "].hours" })])
    ]);
    var remove = el("button", { type: "button", "class": "md-button", text: "Убрать день" });
    remove.addEventListener("click", function () { row.parentNode.removeChild(row); renumberDays(); });
    row.appendChild(remove);
    $(".nmo-org__day-rows").appendChild(row);
  }

  function renumberDays() {
    $all(".nmo-org__day").forEach(function (row, i) {
      row.querySelector(".nmo-d-date").setAttribute("data-field", "days[" + i + "]");
      row.querySelector(".nmo-d-start").setAttribute("data-field", "days[" + i + "].starts_at");
      row.querySelector(".nmo-d-end").setAttribute("data-field", "days[" + i + "].ends_at");
      row.querySelector(".nmo-d-hours").setAttribute("data-field", "days[" + i + "].hours");
      row.querySelector("label").firstChild.textContent = "День " + (i + 1) + ": дата";
    });
  }

  function toggleFormat() {
    var online = $("#nmo-f-format").value === "online";
    $all(".nmo-org__in-person").forEach(function (node) { node.hidden = online; });
    $all(".nmo-org__online").forEach(function (node) { node.hidden = !online; });
  }

  function numberOrText(value) {
    // The API names a non-number as such; send what was typed when it is not a number.
    var n = Number(value);
    return value !== "" && isFinite(n) ? n : value;
  }

  function formData() {
    var tz = $("#nmo-f-tz").value;
    var data = {
      title: $("#nmo-f-title").value,
      format: $("#nmo-f-format").value,
      days: $all(".nmo-org__day").map(function (row) {
        var date = row.querySelector(".nmo-d-date").value;
        var start = row.querySelector(".nmo-d-start").value, end = row.querySelector(".nmo-d-end").value;
        // An empty date or time is sent empty, so the API names that very input.
        return {
          starts_at: date && start ? date + "T" + start + ":00" + tz : "",
          ends_at: date && end ? date + "T" + end + ":00" + tz : "",
          hours: numberOrText(row.querySelector(".nmo-d-hours").value)
        };
      }),
      specialties: Array.prototype.filter.call($("#nmo-f-specialties").options, function (o) { return o.selected; }).map(function (o) { return o.value; }),
      capacity: numberOrText($("#nmo-f-capacity").value),
      program: $("#nmo-f-program").value,
      description: $("#nmo-f-description").value,
      contact: $("#nmo-f-contact").value
    };
    if (data.format === "online") { data.url = $("#nmo-f-url").value; } else {
      data.address = $("#nmo-f-address").value;
      data.city = $("#nmo-f-city").value;
    }
    return data;
  }

  function openEditor(ev) {
    editing = ev || null;
    $(".nmo-org__published").hidden = true;
    var form = $(".nmo-org__form");
    form.reset();
    clearErrors(form);
    $(".nmo-org__form-error").textContent = "";
    clear($(".nmo-org__day-rows"));
    var rejected = $(".nmo-org__rejected");
    rejected.hidden = !(ev && ev.status === "rejected" && ev.rejection_reason);
    rejected.textContent = rejected.hidden ? "" : "Модератор отклонил мероприятие: " + ev.rejection_reason + ". После исправления оно снова станет черновиком.";
    if (ev) {
      $("#nmo-f-title").value = ev.title || "";
      $("#nmo-f-format").value = ev.format || "in_person";
      if (ev.days && ev.days.length) { $("#nmo-f-tz").value = ev.days[0].starts_at.slice(19) || "+03:00"; }
      (ev.days || []).forEach(dayRow);
      $("#nmo-f-address").value = ev.address || "";
      $("#nmo-f-city").value = ev.city || "";
      $("#nmo-f-url").value = ev.url || "";
      var codes = (ev.specialties || []).map(function (s) { return s.code; });
      Array.prototype.forEach.call($("#nmo-f-specialties").options, function (o) { o.selected = codes.indexOf(o.value) >= 0; });
      picker.refresh();
      $("#nmo-f-capacity").value = ev.capacity;
      $("#nmo-f-program").value = ev.program || "";
      $("#nmo-f-description").value = ev.description || "";
      $("#nmo-f-contact").value = ev.contact || "";
    } else {
      dayRow(null);
    }
    toggleFormat();
    picker.refresh();
    $(".nmo-org__editor").hidden = false;
    $("#nmo-f-title").focus();
  }

  function saveEvent(evt) {
    evt.preventDefault();
    var form = $(".nmo-org__form");
    var summary = $(".nmo-org__form-error");
    var url = "/api/organizer/events" + (editing ? "/" + encodeURIComponent(editing.id) : "");
    request(editing ? "PUT" : "POST", url, formData()).then(function (r) {
      if (r.status === 200 || r.status === 201) {
        clearErrors(form);
        summary.textContent = "";
        $(".nmo-org__editor").hidden = true;
        return loadEvents();
      }
      showError(form, errorOf(r, "Не удалось сохранить мероприятие."), summary);
    });
  }

  var LEVELS = { higher: "Высшее образование", secondary: "Среднее образование", pharmaceutical: "Фармацевтическое образование" };

  function loadSpecialties() {
    return request("GET", "/api/me/specialties").then(function (r) {
      var select = $("#nmo-f-specialties");
      clear(select);
      // Grouped by education level; the plain multi-select stays the form's control (and the
      // picker below only drives it).
      var groups = {};
      ((r.body && r.body.choices) || []).forEach(function (c) {
        var level = c.education_level || "higher";
        if (!groups[level]) {
          groups[level] = el("optgroup", { label: LEVELS[level] || level });
          select.appendChild(groups[level]);
        }
        groups[level].appendChild(el("option", { value: c.code, text: c.name + " (" + c.code + ")" }));
      });
      picker.rebuild();
    });
  }

  // --- the specialty picker: type «тера» → «Терапия», chosen ones as removable chips ----------

  var picker = (function () {
    var select = null, input = null, list = null, chips = null;

    function options() { return Array.prototype.slice.call(select.options); }

    function renderChips() {
      clear(chips);
      options().filter(function (o) { return o.selected; }).forEach(function (o) {
        var remove = el("button", { type: "button", "class": "nmo-picker__remove", "aria-label": "Убрать «" + o.text + "»", text: "×" });
        remove.addEventListener("click", function () { o.selected = false; renderChips(); input.focus(); });
        chips.appendChild(el("li", { "class": "nmo-picker__chip" }, [o.text + " ", remove]));
      });
    }

    function choose(option) {
      option.selected = true;
      input.value = "";
      renderChips();
      renderList();
      input.focus();
    }

    function renderList() {
      clear(list);
      var q = input.value.trim().toLowerCase();
      if (!q) { list.hidden = true; input.setAttribute("aria-expanded", "false"); return; }
      var shown = 0;
      Array.prototype.forEach.call(select.children, function (group) {
        var matches = Array.prototype.filter.call(group.children || [], function (o) {
          return !o.selected && (o.text.toLowerCase().indexOf(q) >= 0 || o.value === q);
        });
        if (!matches.length) { return; }
        list.appendChild(el("li", { "class": "nmo-picker__group", role: "presentation", text: group.label || "" }));
        matches.slice(0, 20).forEach(function (o) {
          var item = el("li", { "class": "nmo-picker__option", role: "option", tabindex: "-1", "data-value": o.value, text: o.text });
          item.addEventListener("mousedown", function (e) { e.preventDefault(); choose(o); });
          item.addEventListener("keydown", function (e) {
            if (e.key === "Enter" || e.key === " ") { e.preventDefault(); choose(o); }
            if (e.key === "ArrowDown" && item.nextElementSibling) { e.preventDefault(); focusOption(item, 1); }
            if (e.key === "ArrowUp") { e.preventDefault(); focusOption(item, -1); }
          });
          list.appendChild(item);
          shown += 1;
        });
      });
      if (!shown) { list.appendChild(el("li", { "class": "nmo-picker__empty", text: "Нет такой специальности в справочнике V021." })); }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function focusOption(from, step) {
      var items = Array.prototype.slice.call(list.querySelectorAll(".nmo-picker__option"));
      var i = from ? items.indexOf(from) + step : 0;
      if (i < 0) { input.focus(); return; }
      if (items[i]) { items[i].focus(); }
    }

    function setup() {
      select = $("#nmo-f-specialties");
      if (!select || input) { return; }
      var box = el("div", { "class": "nmo-picker" });
      input = el("input", { type: "search", id: "nmo-f-specialty-search", "class": "nmo-picker__input", autocomplete: "off",
        role: "combobox", "aria-expanded": "false", "aria-controls": "nmo-picker-list", "aria-autocomplete": "list",
        placeholder: "Начните вводить: «тера», «сестр»…", "data-field": "specialties" });
      list = el("ul", { id: "nmo-picker-list", "class": "nmo-picker__list", role: "listbox", "aria-label": "Специальности" });
      list.hidden = true;
      chips = el("ul", { "class": "nmo-picker__chips", "aria-label": "Выбранные специальности" });
      box.appendChild(chips);
      box.appendChild(input);
      box.appendChild(list);
      select.parentNode.insertBefore(box, select);
      // The select stays in the form (its values are what is sent) but the picker replaces it.
      select.hidden = true;
      select.removeAttribute("data-field");
      var label = document.querySelector('label[for="nmo-f-specialties"]');
      if (label) { label.setAttribute("for", "nmo-f-specialty-search"); label.textContent = "Специальности (справочник V021)"; }
      input.addEventListener("input", renderList);
      input.addEventListener("keydown", function (e) {
        if (e.key === "ArrowDown") { e.preventDefault(); focusOption(null, 0); }
        if (e.key === "Enter") {
          e.preventDefault();
          var first = list.querySelector(".nmo-picker__option");
          if (first) { choose(options().filter(function (o) { return o.value === first.getAttribute("data-value"); })[0]); }
        }
        if (e.key === "Escape") { input.value = ""; renderList(); }
      });
      input.addEventListener("blur", function () { setTimeout(function () { if (!list.contains(document.activeElement)) { list.hidden = true; } }, 0); });
    }

    return {
      rebuild: function () { setup(); if (select) { renderChips(); } },
      refresh: function () { if (chips) { renderChips(); } }
    };
  }());


  // --- after publication ------------------------------------------------------------------

  function openPublished(id) {
    $(".nmo-org__editor").hidden = true;
    var base = "/api/organizer/events/" + encodeURIComponent(id);
    return Promise.all([request("GET", base), request("GET", base + "/registrations?format=json")]).then(function (rs) {
      if (rs[0].status !== 200) { throw errorOf(rs[0], "Не удалось открыть мероприятие."); }
      current = rs[0].body;
      var people = (rs[1].body && rs[1].body.items) || [];
      $(".nmo-org__pub-summary").textContent = current.title + " — " + (STATUS[current.status] || current.status) +
        ". Подтверждено " + current.seats_taken + " из " + current.capacity + ", в листе ожидания " + current.waitlist_length + ".";
      $("#nmo-p-capacity").value = current.capacity;
      $(".nmo-org__csv").setAttribute("href", base + "/registrations?format=csv");
      $(".nmo-org__xlsx").setAttribute("href", base + "/registrations?format=xlsx");
      var editable = current.status === "published";
      // An event whose every day is over can be finished, never cancelled (the API refuses too).
      var over = (current.days || []).length > 0 && (current.attendance_days || []).length === current.days.length;
      $(".nmo-org__capacity-form").hidden = !editable || over;
      $(".nmo-org__cancel-form").hidden = !editable || over;
      $(".nmo-org__cancel-form").previousElementSibling.hidden = !editable || over;
      renderParticipants(people);
      renderAttendance(people);
      $(".nmo-org__published").hidden = false;
    }).catch(showFatal);
  }

  function renderParticipants(people) {
    var box = $(".nmo-org__participants");
    clear(box);
    if (!people.length) { box.appendChild(el("p", { text: "Пока никто не записался." })); return; }
    var table = el("table", { "class": "nmo-org__table" }, [
      el("thead", {}, [el("tr", {}, ["№", "ФИО", "Специальность", "Статус", "Код записи"].map(function (t) { return el("th", { scope: "col", text: t }); }))]),
      el("tbody")
    ]);
    people.forEach(function (p, i) {
      var status = REG_STATUS[p.status] || p.status;
      if (p.position) { status += ", место " + p.position; }
      table.tBodies[0].appendChild(el("tr", {}, [
        el("td", { text: String(i + 1) }), el("td", { text: p.full_name }),
        el("td", { text: p.specialty ? p.specialty.name : "" }), el("td", { text: status }),
        el("td", { text: p.registration_id })
      ]));
    });
    box.appendChild(table);
  }

  function renderAttendance(people) {
    var box = $(".nmo-org__attendance");
    clear(box);
    var confirmed = people.filter(function (p) { return p.status === "confirmed"; });
    var open = current.attendance_days || [];
    var days = (current.days || []).filter(function (d) { return open.indexOf(d.date) >= 0; });
    $(".nmo-org__attendance-form").hidden = !(confirmed.length && days.length);
    if (!confirmed.length || !days.length) {
      box.appendChild(el("p", { text: days.length ? "Нет подтверждённых участников." : "Посещаемость вносится после окончания дня." }));
      $(".nmo-org__attendance-form").hidden = false;
      $(".nmo-org__attendance-form button[type=submit]").hidden = true;
      return;
    }
    $(".nmo-org__attendance-form button[type=submit]").hidden = false;
    var head = el("tr", {}, [el("th", { scope: "col", text: "ФИО" })]);
    days.forEach(function (d) { head.appendChild(el("th", { scope: "col", text: ruDate(d.date) + ", минут" })); });
    var table = el("table", { "class": "nmo-org__table" }, [el("thead", {}, [head]), el("tbody")]);
    var index = 0;
    confirmed.forEach(function (p) {
      var row = el("tr", {}, [el("td", { text: p.full_name })]);
      days.forEach(function (d) {
        var known = (p.days || []).filter(function (x) { return x.day === d.date; })[0] || {};
        var input = el("input", {
          type: "number", min: "0", step: "1", "class": "nmo-a-minutes",
          "aria-label": p.full_name + ", " + ruDate(d.date) + ", минут",
          "data-registration": p.registration_id, "data-day": d.date,
          "data-field": "records[" + index + "].minutes",
          value: known.minutes === null || known.minutes === undefined ? "" : String(known.minutes)
        });
        index += 1;
        var cell = el("td", {}, [input]);
        if (known.code_issued) {
          cell.appendChild(el("span", { "class": "nmo-org__issued", text: " код выдан" +
            (known.code_expires_on ? ", действует до " + ruDate(known.code_expires_on) : "") }));
        }
        row.appendChild(cell);
      });
      table.tBodies[0].appendChild(row);
    });
    box.appendChild(table);
  }

  function saveAttendance(evt) {
    evt.preventDefault();
    var form = $(".nmo-org__attendance-form");
    var result = $(".nmo-org__attendance-result");
    var records = [];
    var inputs = $all(".nmo-a-minutes");
    inputs.forEach(function (input) { input.removeAttribute("data-field"); });
    inputs.forEach(function (input) {
      if (input.value === "") { return; }
      input.setAttribute("data-field", "records[" + records.length + "].minutes");
      records.push({ registration_id: input.getAttribute("data-registration"), day: input.getAttribute("data-day"), minutes: numberOrText(input.value) });
    });
    if (!records.length) { result.textContent = "Заполните минуты хотя бы для одного участника."; return; }
    request("POST", "/api/organizer/events/" + encodeURIComponent(current.id) + "/attendance", { records: records }).then(function (r) {
      if (r.status !== 200) { showError(form, errorOf(r, "Не удалось сохранить посещаемость."), result); return; }
      clearErrors(form);
      result.textContent = "Сохранено. Новых кодов выдано: " + r.body.issued + ". Участники увидят коды в личном кабинете.";
      openPublished(current.id);
    });
  }

  function changeCapacity(evt) {
    evt.preventDefault();
    var form = $(".nmo-org__capacity-form");
    var result = $(".nmo-org__capacity-result");
    request("PUT", "/api/organizer/events/" + encodeURIComponent(current.id), { capacity: numberOrText($("#nmo-p-capacity").value) }).then(function (r) {
      if (r.status !== 200) { showError(form, errorOf(r, "Не удалось изменить число мест."), result); return; }
      clearErrors(form);
      result.textContent = "Сохранено.";
      openPublished(current.id);
      loadEvents();
    });
  }

  function cancelEvent(evt) {
    evt.preventDefault();
    var form = $(".nmo-org__cancel-form");
    var result = $(".nmo-org__cancel-result");
    if (!window.confirm("Отменить мероприятие? Запись закроется, участники увидят отмену в кабинете.")) { return; }
    request("POST", "/api/organizer/events/" + encodeURIComponent(current.id) + "/cancel", { reason: $("#nmo-p-reason").value }).then(function (r) {
      if (r.status !== 200) { showError(form, errorOf(r, "Не удалось отменить мероприятие."), result); return; }
      result.textContent = "Мероприятие отменено.";
      openPublished(current.id);
      loadEvents();
    });
  }

  // --- start ------------------------------------------------------------------------------

  function showFatal(err) {
    var node = $(".nmo-org__fatal");
    node.textContent = (err && err.message) || "Не удалось связаться с сервером. Обновите страницу.";
    node.hidden = false;
  }

  function start() {
    NMO.api.me().then(function (r) {
      $(".nmo-org__loading").hidden = true;
      if (r.status === 401) { $(".nmo-org__login").hidden = false; return null; }
      if (r.status !== 200) { throw errorOf(r, "Не удалось загрузить профиль."); }
      me = r.body;
      if ((me.roles || []).indexOf("organizer") < 0) { $(".nmo-org__denied").hidden = false; return null; }
      $(".nmo-org__content").hidden = false;
      return Promise.all([loadEvents(), loadSpecialties()]);
    }).catch(showFatal);

    $(".nmo-org__new").addEventListener("click", function () { openEditor(null); });
    $(".nmo-org__add-day").addEventListener("click", function () { dayRow(null); });
    $("#nmo-f-format").addEventListener("change", toggleFormat);
    $(".nmo-org__form").addEventListener("submit", saveEvent);
    $(".nmo-org__attendance-form").addEventListener("submit", saveAttendance);
    $("#nmo-org-status").addEventListener("change", renderEvents);
    $(".nmo-org__capacity-form").addEventListener("submit", changeCapacity);
    $(".nmo-org__cancel-form").addEventListener("submit", cancelEvent);
    $all(".nmo-org__close").forEach(function (b) {
      b.addEventListener("click", function () {
        $(".nmo-org__editor").hidden = true;
        $(".nmo-org__published").hidden = true;
      });
    });
  }

  start();
})();

/* Applications («заявления»): the person's «Мои заявки» with the filing form (documents go
   straight to object storage by presigned POST), the reviewers' list with documents and
   decisions (organizer and moderator sections), and the counts by status on the moderation page.
   Values from the API go into the page as text, never as HTML. */
(function () {
  "use strict";

  var root = document.getElementById("nmo-apps");
  var countsBox = document.getElementById("nmo-apps-counts");
  if (!root && !countsBox) { return; }

  var el = NMO.el, clear = NMO.clear, ruDate = NMO.ruDate;
  var request = NMO.api.request;
  var MAX_FILES = 5, MAX_BYTES = 10 * 1024 * 1024;
  var TYPES = { pdf: "application/pdf", jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png" };

  function $(selector) { return root.querySelector(selector); }
  function message(r, fallback) { return NMO.api.errorMessage(r.body, fallback); }

  function ruDateTime(iso) {
    try {
      return new Date(iso).toLocaleString("ru-RU", {
        timeZone: "Europe/Moscow", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit"
      });
    } catch (e) { return ruDate(iso); }
  }

  function fatal(err) {
    var node = root ? $(".nmo-apps__fatal") : null;
    if (!node) { return; }
    node.textContent = (err && err.message) || "Не удалось связаться с сервером. Обновите страницу.";
    node.hidden = false;
  }

  // --- shared pieces ------------------------------------------------------------------------

  function steps(app) {
    var list = el("ol", { "class": "nmo-apps__steps" });
    (app.steps || []).forEach(function (s) {
      var line = ruDateTime(s.at) + " — " + s.action_name + " (" + s.by + ")";
      list.appendChild(el("li", {}, [line, s.reason ? el("p", { "class": "nmo-apps__reason", text: s.reason }) : null]));
    });
    return list;
  }

  function claimDetails(app) {
    var c = app.claim || {};
    var rows = [
      ["Вид", app.kind_name],
      ["Статус", app.status_name],
      ["Подано", ruDate(app.filed_on)],
      ["О чём", app.title]
    ];
    if (c.day_ru) { rows.push(["День мероприятия", c.day_ru]); }
    if (c.completed_on_ru) { rows.push(["Дата завершения", c.completed_on_ru]); }
    if (c.document_number) { rows.push(["Номер документа", c.document_number]); }
    if (c.specialty_name) { rows.push(["Специальность", c.specialty_name]); }
    if (c.description) { rows.push(["Что произошло", c.description]); }
    if (app.applicant_name) { rows.push(["Заявитель", app.applicant_name]); }
    if (app.decision_reason) { rows.push(["Причина отказа", app.decision_reason]); }
    if (app.appeal_comment) { rows.push(["Жалоба", app.appeal_comment]); }
    if (app.final_reason) { rows.push(["Окончательное решение", app.final_reason]); }
    var dl = el("dl", { "class": "nmo-apps__details" });
    rows.forEach(function (pair) {
      dl.appendChild(el("dt", { text: pair[0] }));
      dl.appendChild(el("dd", { text: pair[1] || "" }));
    });
    return dl;
  }

  // Documents open through a link the API makes for a few minutes, asked for on each click.
  function documents(app, base) {
    if (!app.documents || !app.documents.length) { return el("p", { text: "Документов нет." }); }
    var list = el("ul", { "class": "nmo-apps__documents" });
    app.documents.forEach(function (d) {
      var button = el("button", { type: "button", "class": "md-button nmo-apps__open", text: "Открыть «" + d.name + "»" });
      var error = el("span", { "class": "nmo-apps__error", role: "alert" });
      button.addEventListener("click", function () {
        error.textContent = "";
        request("GET", base + encodeURIComponent(app.id) + "/documents/" + encodeURIComponent(d.id)).then(function (r) {
          if (r.status !== 200) { error.textContent = message(r, "Документ недоступен."); return; }
          window.open(r.body.url, "_blank", "noopener");
        });
      });
      list.appendChild(el("li", {}, [button, " ", error]));
    });
    return list;
  }

  function showError(box, r, fallback, form) {
    var e = NMO.api.error(r, fallback);
    var problems = e.problems.length ? e.problems : [{ field: e.field, message: e.message }];
    box.textContent = problems.map(function (p) { return p.message; }).join(" ");
    if (form) {
      Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (n) { n.removeAttribute("aria-invalid"); });
      problems.forEach(function (p) {
        var name = (p.field || "").replace(/\[\d+\]$/, "");
        var input = name && form.querySelector('[data-field="' + name + '"]:not([hidden])');
        if (input) { input.setAttribute("aria-invalid", "true"); }
      });
    }
  }

  // --- the applicant ------------------------------------------------------------------------

  function requestId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return "form-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function applicantItem(app) {
    var item = el("article", { "class": "nmo-apps__item", "data-status": app.status }, [
      el("h3", { text: app.title || app.kind_name }), claimDetails(app)
    ]);
    var body = el("div");
    item.appendChild(body);
    request("GET", "/api/me/applications/" + encodeURIComponent(app.id)).then(function (r) {
      if (r.status !== 200) { return; }
      body.appendChild(el("h4", { text: "Документы" }));
      body.appendChild(documents(r.body, "/api/me/applications/"));
      body.appendChild(el("h4", { text: "Ход рассмотрения" }));
      body.appendChild(steps(r.body));
      if (r.body.can_appeal) { body.appendChild(appealForm(r.body)); }
    });
    return item;
  }

  function appealForm(app) {
    var id = "nmo-apps-appeal-" + app.id;
    var comment = el("textarea", { id: id, rows: "2", maxlength: "2000", "data-field": "comment" });
    var error = el("p", { "class": "nmo-apps__error", role: "alert" });
    var button = el("button", { type: "button", "class": "md-button", text: "Обжаловать отказ" });
    button.addEventListener("click", function () {
      button.disabled = true;
      request("POST", "/api/me/applications/" + encodeURIComponent(app.id) + "/appeal", { comment: comment.value }).then(function (r) {
        button.disabled = false;
        if (r.status === 200) { return loadOwn(); }
        showError(error, r, "Не удалось подать жалобу.");
        comment.setAttribute("aria-invalid", "true");
      });
    });
    return el("div", { "class": "nmo-apps__appeal" }, [
      el("label", { "for": id, text: "Жалоба на отказ (один раз; её рассмотрит модератор)" }), comment, error, el("p", {}, [button])
    ]);
  }

  function loadOwn() {
    return request("GET", "/api/me/applications").then(function (r) {
      if (r.status !== 200) { throw new Error(message(r, "Не удалось загрузить заявления.")); }
      var box = $(".nmo-apps__items");
      clear(box);
      var items = r.body.items || [];
      $(".nmo-apps__empty").hidden = items.length > 0;
      items.forEach(function (app) { box.appendChild(applicantItem(app)); });
    });
  }

  function kind() { return root.querySelector('input[name="kind"]:checked').value; }

  function showKind() {
    var chosen = kind();
    Array.prototype.forEach.call(root.querySelectorAll(".nmo-apps__kind"), function (box) {
      box.hidden = box.getAttribute("data-kind").split(" ").indexOf(chosen) < 0;
    });
  }

  function fillChoices(me) {
    var specialty = $("#nmo-apps-specialty");
    (me.specialties || []).forEach(function (s) { specialty.appendChild(el("option", { value: s.code, text: s.name })); });
    request("GET", "/api/me/registrations").then(function (r) {
      if (r.status !== 200) { return; }
      var select = $("#nmo-apps-event");
      (r.body.items || []).forEach(function (reg) {
        var option = el("option", { value: reg.event_id, text: reg.title + (reg.starts_at ? " (" + ruDate(reg.starts_at) + ")" : "") });
        option.setAttribute("data-day", (reg.starts_at || "").slice(0, 10));
        select.appendChild(option);
      });
    });
    var params = new URLSearchParams(window.location.search);
    request("GET", "/api/me/credits").then(function (r) {
      if (r.status !== 200) { return; }
      var select = $("#nmo-apps-record");
      (r.body.items || []).forEach(function (c) {
        select.appendChild(el("option", { value: c.id, text: ruDate(c.completed_on) + " — " + c.title + " (" + c.hours + " ч)" }));
      });
      if (params.get("record")) { select.value = params.get("record"); }
    });
    if (params.get("kind")) {
      var radio = root.querySelector('input[name="kind"][value="' + params.get("kind").replace(/[^a-z_]/g, "") + '"]');
      if (radio) { radio.checked = true; showKind(); }
    }
  }

  function claimBody() {
    var k = kind();
    var body = { kind: k, description: $("#nmo-apps-description").value };
    if (k === "missing_event") {
      body.element_id = $("#nmo-apps-event-id").value.trim() || $("#nmo-apps-event").value;
      body.day = $("#nmo-apps-day").value;
      body.specialty = $("#nmo-apps-specialty").value;
    } else if (k === "missing_programme") {
      body.title = $("#nmo-apps-title").value;
      body.completed_on = $("#nmo-apps-completed").value;
      body.document_number = $("#nmo-apps-number").value;
      body.specialty = $("#nmo-apps-specialty").value;
    } else {
      body.record_id = $("#nmo-apps-record").value;
    }
    return body;
  }

  function fileType(file) {
    var ext = (file.name.split(".").pop() || "").toLowerCase();
    return file.type || TYPES[ext] || "";
  }

  function uploadOne(file) {
    return request("POST", "/api/me/applications/documents", {
      file_name: file.name, content_type: fileType(file), size: file.size
    }).then(function (r) {
      if (r.status !== 201) { var e = new Error(message(r, "Файл не принят.")); e.response = r; throw e; }
      var form = new FormData();
      var fields = r.body.upload.fields;
      Object.keys(fields).forEach(function (key) { form.append(key, fields[key]); });
      form.append("file", file);
      return fetch(r.body.upload.url, { method: "POST", body: form }).then(function (res) {
        if (!res.ok) { throw new Error("Не удалось загрузить файл «" + file.name + "». Попробуйте ещё раз."); }
        return r.body.id;
      });
    });
  }

  function setupForm() {
    var form = $(".nmo-apps__form");
    var error = $(".nmo-apps__form .nmo-apps__error");
    var result = $(".nmo-apps__result");
    var submit = $(".nmo-apps__submit");
    // One id per filled-in form: pressing «Подать» twice files one application.
    var formId = requestId();
    Array.prototype.forEach.call(root.querySelectorAll('input[name="kind"]'), function (r) {
      r.addEventListener("change", showKind);
    });
    $("#nmo-apps-event").addEventListener("change", function (event) {
      var option = event.target.selectedOptions[0];
      if (option && option.getAttribute("data-day") && !$("#nmo-apps-day").value) {
        $("#nmo-apps-day").value = option.getAttribute("data-day");
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (submit.disabled) { return; }
      error.textContent = "";
      result.textContent = "";
      var files = Array.prototype.slice.call($("#nmo-apps-files").files || []);
      if (files.length > MAX_FILES) { error.textContent = "Не больше пяти документов в одном заявлении."; return; }
      var big = files.filter(function (f) { return f.size > MAX_BYTES; })[0];
      if (big) { error.textContent = "Файл «" + big.name + "» больше 10 МБ: уменьшите скан или фотографию."; return; }
      submit.disabled = true;
      result.textContent = files.length ? "Загружаем документы…" : "Отправляем…";
      var ids = [];
      var chain = Promise.resolve();
      files.forEach(function (file) { chain = chain.then(function () { return uploadOne(file).then(function (id) { ids.push(id); }); }); });
      chain.then(function () {
        var body = claimBody();
        body.request_id = formId;
        body.documents = ids;
        return request("POST", "/api/me/applications", body);
      }).then(function (r) {
        submit.disabled = false;
        if (r.status === 201 || r.status === 200) {
          result.textContent = "Заявление подано. Статус и каждый шаг рассмотрения — в списке выше.";
          form.reset();
          showKind();
          formId = requestId();
          return loadOwn();
        }
        result.textContent = "";
        showError(error, r, "Не удалось подать заявление.", form);
      }).catch(function (err) {
        submit.disabled = false;
        result.textContent = "";
        if (err.response) { showError(error, err.response, err.message, form); } else { error.textContent = err.message; }
      });
    });
  }

  // --- reviewers ----------------------------------------------------------------------------

  function filterQuery() {
    var params = [];
    Array.prototype.forEach.call(root.querySelectorAll(".nmo-apps__filters [data-field]"), function (input) {
      if (input.value && !input.closest("[hidden]")) { params.push(input.getAttribute("data-field") + "=" + encodeURIComponent(input.value)); }
    });
    return params.length ? "?" + params.join("&") : "";
  }

  function reviewActions(app) {
    var wrap = el("div", { "class": "nmo-apps__actions" });
    var error = el("p", { "class": "nmo-apps__error", role: "alert" });
    var base = "/api/review/applications/" + encodeURIComponent(app.id);
    function done(r, fallback) {
      if (r.status === 200) { return loadReview(); }
      showError(error, r, fallback, wrap);
      if (r.status === 409) { error.textContent += " Список обновлён."; loadReview(); }
    }
    if (app.can_take) {
      var take = el("button", { type: "button", "class": "md-button", text: "Взять на рассмотрение" });
      take.addEventListener("click", function () {
        take.disabled = true;
        request("POST", base + "/take", {}).then(function (r) { take.disabled = false; done(r, "Не удалось взять заявление."); });
      });
      wrap.appendChild(el("p", {}, [take]));
    }
    if (app.can_decide) {
      var reasonId = "nmo-apps-reason-" + app.id;
      var reason = el("textarea", { id: reasonId, rows: "2", maxlength: "2000", "data-field": "reason" });
      wrap.appendChild(el("label", { "for": reasonId, text: "Причина отказа (её прочтёт специалист)" }));
      wrap.appendChild(reason);
      var hours = null, creditKind = null;
      if (app.needs_hours) {
        hours = el("input", { id: "nmo-apps-hours-" + app.id, type: "number", min: "1", max: "1000", step: "0.5", "data-field": "hours" });
        creditKind = el("select", { id: "nmo-apps-ckind-" + app.id, "data-field": "credit_kind" }, [
          el("option", { value: "dpp_pk", text: "ДПП ПК" }), el("option", { value: "iom", text: "ИОМ" })
        ]);
        wrap.appendChild(el("label", { "for": creditKind.id, text: "Вид элемента (программы нет в каталоге)" }));
        wrap.appendChild(creditKind);
        wrap.appendChild(el("label", { "for": hours.id, text: "ЗЕТ (часы) по документу" }));
        wrap.appendChild(hours);
      }
      var fixHours = null, fixDate = null;
      if (app.needs_correction) {
        fixHours = el("input", { id: "nmo-apps-fix-hours-" + app.id, type: "number", min: "0.5", max: "1000", step: "0.5", "data-field": "hours" });
        fixDate = el("input", { id: "nmo-apps-fix-date-" + app.id, type: "date", "data-field": "completed_on" });
        wrap.appendChild(el("label", { "for": fixHours.id, text: "Исправленные часы (если неверны часы)" }));
        wrap.appendChild(fixHours);
        wrap.appendChild(el("label", { "for": fixDate.id, text: "Исправленная дата завершения (если неверна дата)" }));
        wrap.appendChild(fixDate);
      }
      var accept = el("button", { type: "button", "class": "md-button md-button--primary", text: "Принять" });
      var reject = el("button", { type: "button", "class": "md-button", text: "Отклонить" });
      function decide(decision) {
        var body = { decision: decision };
        if (decision === "reject") { body.reason = reason.value; }
        if (decision === "accept" && hours) { body.hours = Number(hours.value); body.credit_kind = creditKind.value; }
        if (decision === "accept" && fixHours) {
          if (fixHours.value) { body.hours = Number(fixHours.value); }
          if (fixDate.value) { body.completed_on = fixDate.value; }
        }
        accept.disabled = reject.disabled = true;
        request("POST", base + "/decision", body).then(function (r) {
          accept.disabled = reject.disabled = false;
          done(r, "Не удалось сохранить решение.");
        });
      }
      accept.addEventListener("click", function () { decide("accept"); });
      reject.addEventListener("click", function () { decide("reject"); });
      wrap.appendChild(el("p", {}, [accept, " ", reject]));
    }
    wrap.appendChild(error);
    return wrap;
  }

  function reviewItem(app) {
    var item = el("article", { "class": "nmo-apps__item", "data-status": app.status }, [
      el("h3", { text: app.title || app.kind_name }), claimDetails(app)
    ]);
    if (app.escalated) { item.appendChild(el("p", { "class": "nmo-apps__note", text: "Передано модераторам." })); }
    var body = el("div");
    item.appendChild(body);
    request("GET", "/api/review/applications/" + encodeURIComponent(app.id)).then(function (r) {
      if (r.status !== 200) { return; }
      body.appendChild(el("h4", { text: "Документы" }));
      body.appendChild(documents(r.body, "/api/review/applications/"));
      body.appendChild(el("h4", { text: "Ход рассмотрения" }));
      body.appendChild(steps(r.body));
      body.appendChild(reviewActions(r.body));
    });
    return item;
  }

  function loadReview() {
    var query = filterQuery();
    var exportLink = $(".nmo-apps__export");
    if (exportLink) { exportLink.setAttribute("href", "/api/review/applications/export" + query); }
    var error = $(".nmo-apps__filters .nmo-apps__error");
    error.textContent = "";
    return request("GET", "/api/review/applications" + query).then(function (r) {
      if (r.status === 400) { showError(error, r, "Фильтр не понят.", $(".nmo-apps__filters")); return; }
      if (r.status !== 200) { throw new Error(message(r, "Не удалось загрузить заявления.")); }
      var box = $(".nmo-apps__items");
      clear(box);
      var items = r.body.items || [];
      $(".nmo-apps__empty").hidden = items.length > 0;
      items.forEach(function (app) { box.appendChild(reviewItem(app)); });
    });
  }

  // --- the moderation page's counts -------------------------------------------------------------

  function loadCounts() {
    request("GET", "/api/review/applications/counts").then(function (r) {
      if (r.status !== 200) { return; }
      var list = countsBox.querySelector(".nmo-apps-counts__items");
      clear(list);
      (r.body.items || []).forEach(function (c) {
        var link = el("a", { href: "/moderation/applications/?status=" + encodeURIComponent(c.status), text: c.status_name });
        list.appendChild(el("li", {}, [link, ": " + c.count]));
      });
      countsBox.hidden = false;
    });
  }

  // --- start --------------------------------------------------------------------------------

  NMO.api.me().then(function (r) {
    var roles = r.status === 200 ? (r.body.roles || []) : [];
    if (countsBox && roles.indexOf("moderator") >= 0) { loadCounts(); }
    if (!root) { return null; }
    $(".nmo-apps__loading").hidden = true;
    if (r.status === 401) { $(".nmo-apps__login").hidden = false; return null; }
    if (r.status !== 200) { throw new Error(message(r, "Не удалось загрузить профиль.")); }
    if (root.getAttribute("data-mode") === "applicant") {
      $(".nmo-apps__content").hidden = false;
      showKind();
      fillChoices(r.body);
      setupForm();
      return loadOwn();
    }
    var role = root.getAttribute("data-role");
    if (roles.indexOf(role) < 0) { $(".nmo-apps__denied").hidden = false; return null; }
    $(".nmo-apps__content").hidden = false;
    if (role === "moderator") {
      Array.prototype.forEach.call(root.querySelectorAll(".nmo-apps__moderator-only"), function (n) { n.hidden = false; });
    }
    var status = new URLSearchParams(window.location.search).get("status");
    if (status) { $("#nmo-apps-status").value = status; }
    $(".nmo-apps__filters").addEventListener("submit", function (event) {
      event.preventDefault();
      loadReview().catch(fatal);
    });
    return loadReview();
  }).catch(fatal);
})();

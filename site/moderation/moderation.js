/* The moderation queue: every submitted event in full, with «Опубликовать» and «Отклонить» (the
   reason is required; an API error is shown next to the reason field). Values from the API go
   into the page as text, never as HTML. */
(function () {
  "use strict";

  var root = document.getElementById("nmo-mod");
  if (!root) { return; }

  var me = null;
  var FORMAT = { in_person: "очно", online: "онлайн" };

  function $(selector) { return root.querySelector(selector); }

  var el = NMO.el, clear = NMO.clear;
  var request = NMO.api.request;

  function message(r, fallback) { return NMO.api.errorMessage(r.body, fallback); }

  function ruDateTime(iso) {
    if (!iso || iso.length < 16) { return ""; }
    return iso.slice(8, 10) + "." + iso.slice(5, 7) + "." + iso.slice(0, 4) + " " + iso.slice(11, 16);
  }

  function details(ev) {
    var rows = [
      ["Организатор", ev.organizer],
      ["Формат", FORMAT[ev.format] || ev.format],
      ["Дни", (ev.days || []).map(function (d) {
        return ruDateTime(d.starts_at) + "–" + d.ends_at.slice(11, 16) + " (" + d.hours + " ак. ч)";
      }).join("\n")],
      [ev.format === "online" ? "Ссылка" : "Адрес", ev.format === "online" ? ev.url : [ev.city, ev.address].filter(Boolean).join(", ")],
      ["Специальности", (ev.specialties || []).map(function (s) { return s.name + " (" + s.code + ")"; }).join(", ")],
      ["Всего ЗЕТ", String(ev.hours)],
      ["Мест", String(ev.capacity)],
      ["Программа", ev.program],
      ["Описание", ev.description || "—"],
      ["Контакты", ev.contact]
    ];
    if (ev.rejection_reason) { rows.push(["Причина отклонения", ev.rejection_reason]); }
    var dl = el("dl");
    rows.forEach(function (pair) {
      dl.appendChild(el("dt", { text: pair[0] }));
      dl.appendChild(el("dd", { text: pair[1] || "" }));
    });
    return dl;
  }

  function decisionForm(ev) {
    var id = "nmo-mod-reason-" + ev.id;
    var reason = el("textarea", { id: id, rows: "2", maxlength: "2000", "data-field": "reason" });
    var error = el("p", { "class": "nmo-mod__error", role: "alert" });
    var publish = el("button", { type: "button", "class": "md-button md-button--primary", text: "Опубликовать" });
    var reject = el("button", { type: "button", "class": "md-button", text: "Отклонить" });
    function decide(decision) {
      reason.removeAttribute("aria-invalid");
      error.textContent = "";
      var body = { decision: decision };
      if (decision === "reject") { body.reason = reason.value; }
      request("POST", "/api/moderation/events/" + encodeURIComponent(ev.id) + "/decision", body).then(function (r) {
        if (r.status === 200) { return load(); }
        error.textContent = message(r, "Не удалось сохранить решение.");
        if (NMO.api.error(r, "").field === "reason") {
          reason.setAttribute("aria-invalid", "true");
          reason.focus();
        }
      });
    }
    publish.addEventListener("click", function () { decide("publish"); });
    reject.addEventListener("click", function () { decide("reject"); });
    return el("div", { "class": "nmo-mod__field" }, [
      el("label", { "for": id, text: "Причина отклонения (её прочтёт организатор)" }), reason, error,
      el("p", {}, [publish, " ", reject])
    ]);
  }

  function load() {
    var status = $("#nmo-mod-status").value;
    return request("GET", "/api/moderation/events?status=" + encodeURIComponent(status)).then(function (r) {
      if (r.status !== 200) { throw new Error(message(r, "Не удалось загрузить очередь.")); }
      var items = r.body.items || [];
      var box = $(".nmo-mod__items");
      clear(box);
      $(".nmo-mod__empty").hidden = items.length > 0;
      items.forEach(function (ev) {
        var item = el("article", { "class": "nmo-mod__item" }, [el("h2", { text: ev.title }), details(ev)]);
        if (ev.status === "on_review") { item.appendChild(decisionForm(ev)); }
        box.appendChild(item);
      });
    });
  }

  function fatal(err) {
    var node = $(".nmo-mod__fatal");
    node.textContent = (err && err.message) || "Не удалось связаться с сервером. Обновите страницу.";
    node.hidden = false;
  }

  NMO.api.me().then(function (r) {
    $(".nmo-mod__loading").hidden = true;
    if (r.status === 401) { $(".nmo-mod__login").hidden = false; return null; }
    if (r.status !== 200) { throw new Error(message(r, "Не удалось загрузить профиль.")); }
    me = r.body;
    if ((me.roles || []).indexOf("moderator") < 0) { $(".nmo-mod__denied").hidden = false; return null; }
    $(".nmo-mod__content").hidden = false;
    $("#nmo-mod-status").addEventListener("change", function () { load().catch(fatal); });
    return load();
  }).catch(fatal);
})();

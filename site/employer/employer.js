/* The employer's page: the staff list upload (check first, then confirm) and each employee's
   status per cycle — never their ledger — a page at a time («Показать ещё» asks for the next with
   the cursor the last page gave). Values from the API go into the page as text only. */
(function () {
  "use strict";

  var root = document.getElementById("nmo-emp");
  if (!root) { return; }
  var el = NMO.el, clear = NMO.clear, ruDate = NMO.ruDate;
  var request = NMO.api.request, errorOf = NMO.api.error;
  var pending = null; // the checked file, sent again with apply=true on confirm

  function $(selector) { return root.querySelector(selector); }
  function show(selector, on) { $(selector).hidden = !on; }

  var PAGE = 50, nextCursor = null;

  var COLUMNS = ["СНИЛС", "ФИО", "Данные", "Специальность", "Действует до", "Статус", "Не хватает ДПП ПК, ч", "Не хватает прочих, ч"];

  // One page of the staff list; `append` adds the next page under the rows already shown.
  function staff(append) {
    var url = "/api/stats/employer/staff?limit=" + PAGE;
    if (append && nextCursor) { url += "&cursor=" + encodeURIComponent(nextCursor); }
    var more = $(".nmo-emp__more");
    more.disabled = true;
    return request("GET", url).then(function (r) {
      more.disabled = false;
      if (r.status !== 200) { fatal(errorOf(r, "Не удалось загрузить список.").message); return; }
      var node = $(".nmo-emp__staff");
      if (!append) {
        clear(node);
        show(".nmo-emp__empty", r.body.items.length === 0);
        if (r.body.items.length) {
          node.appendChild(el("thead", {}, [el("tr", {}, COLUMNS.map(function (h) {
            return el("th", { scope: "col", text: h });
          }))]));
          node.appendChild(el("tbody"));
        }
      }
      var body = node.querySelector("tbody");
      r.body.items.forEach(function (row) {
        var cycles = row.cycles.length ? row.cycles : [null];
        cycles.forEach(function (c) {
          var cells = [
            el("td", { text: row.snils }), el("th", { scope: "row", text: row.full_name || "—" }),
            el("td", { text: row.state_text }),
            el("td", { text: c ? c.specialty_name : "" }), el("td", { text: c ? ruDate(c.expires) : "" }),
            el("td", { text: c ? c.status_text : "" }),
            el("td", { text: c ? String(c.missing.dpp_pk) : "" }), el("td", { text: c ? String(c.missing.any) : "" })
          ];
          // On a phone each row becomes a card and each cell says what it is (dashboard.css).
          cells.forEach(function (cell, i) { cell.setAttribute("data-label", COLUMNS[i]); });
          body.appendChild(el("tr", {}, cells));
        });
      });
      nextCursor = r.body.cursor || null;
      show(".nmo-emp__more-box", Boolean(nextCursor));
    });
  }

  $(".nmo-emp__more").addEventListener("click", function () { staff(true); });

  function send(apply) {
    return request("POST", "/api/stats/employer/staff", { filename: pending.name, content: pending.content, apply: apply });
  }

  function report(r) {
    var list = $(".nmo-emp__errors");
    clear(list);
    var result = $(".nmo-emp__result");
    if (r.status !== 200) {
      var err = errorOf(r, "Файл не принят.");
      result.textContent = "Файл не принят, ничего не изменено.";
      (err.problems.length ? err.problems : [err]).forEach(function (p) { list.appendChild(el("li", { text: p.message })); });
      show(".nmo-emp__confirm-box", false);
      return;
    }
    var b = r.body;
    result.textContent = b.applied
      ? "Список записан: строк " + b.rows + ", добавлено " + b.added + ", ушло из списка " + b.removed + ", без изменений " + b.kept + "."
      : "Проверено: строк " + b.rows + ", добавится " + b.added + ", уйдёт из списка " + b.removed + ", без изменений " + b.kept +
        ". Ничего ещё не записано: подтвердите, чтобы записать.";
    show(".nmo-emp__confirm-box", !b.applied);
  }

  $(".nmo-emp__check").addEventListener("click", function () {
    var file = $(".nmo-emp__file").files[0];
    if (!file) { $(".nmo-emp__result").textContent = "Выберите файл."; return; }
    var reader = new FileReader();
    reader.onload = function () {
      var bytes = new Uint8Array(reader.result), binary = "";
      for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
      pending = { name: file.name, content: btoa(binary) };
      send(false).then(report);
    };
    reader.readAsArrayBuffer(file);
  });

  $(".nmo-emp__confirm").addEventListener("click", function () {
    if (!pending) { return; }
    send(true).then(function (r) { report(r); if (r.status === 200) { pending = null; return staff(false); } return null; });
  });

  function fatal(message) { var n = $(".nmo-emp__fatal"); n.textContent = message; n.hidden = false; }

  NMO.api.me().then(function (r) {
    show(".nmo-emp__loading", false);
    if (r.status === 401) { show(".nmo-emp__login", true); return; }
    if (r.status !== 200) { fatal("Сервер портала недоступен. Попробуйте обновить страницу позже."); return; }
    if ((r.body.roles || []).indexOf("employer") < 0) { show(".nmo-emp__denied", true); return; }
    show(".nmo-emp__content", true);
    staff(false);
  }).catch(function () { fatal("Сервер портала недоступен. Попробуйте обновить страницу позже."); });
}());

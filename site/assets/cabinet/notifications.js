/* The cabinet's notifications: the address (a new one works after its confirmation link), which
   kinds of mail to send, and the feed. Every value from the API goes in as text, never HTML. */
(function () {
  "use strict";

  var section = document.getElementById("notifications");
  if (!section || !window.NMO) { return; }
  var el = NMO.el, clear = NMO.clear;
  var request = NMO.api.request, errorMessage = NMO.api.errorMessage;
  var STATES = { bounced: " — письма не доходят, укажите другой адрес", complained: " — вы пожаловались на письма, отправка остановлена" };

  function $(selector) { return section.querySelector(selector); }

  function say(node, text, ok) {
    node.textContent = text;
    node.className = node.className.replace(/ ?nmo-cab__(ok|err)/g, "") + (ok ? " nmo-cab__ok" : " nmo-cab__err");
  }

  function showSettings(view) {
    $(".nmo-notify__email").textContent = view.email || "не указан";
    var state = view.email_status && STATES[view.email_status] ? STATES[view.email_status] : "";
    if (view.pending_email) { state += " (ждёт подтверждения: " + view.pending_email + ")"; }
    $(".nmo-notify__state").textContent = state;
    var box = $(".nmo-notify__kinds");
    Array.prototype.slice.call(box.querySelectorAll("label")).forEach(function (n) { n.remove(); });
    (view.kinds || []).forEach(function (k) {
      var input = el("input", { type: "checkbox", name: k.kind });
      input.checked = Boolean(k.enabled);
      input.addEventListener("change", function () {
        var kinds = {};
        kinds[k.kind] = input.checked;
        input.disabled = true;
        request("PUT", "/api/me/notifications/preferences", { kinds: kinds }).then(function (r) {
          input.disabled = false;
          if (r.status !== 200) {
            input.checked = !input.checked;
            say($(".nmo-notify__kinds-result"), errorMessage(r.body, "Не удалось сохранить."), false);
            return;
          }
          say($(".nmo-notify__kinds-result"), "Сохранено.", true);
        });
      });
      box.appendChild(el("label", {}, [input, " " + k.label]));
    });
  }

  function loadFeed() {
    return request("GET", "/api/me/notifications").then(function (r) {
      var list = $(".nmo-notify__feed");
      clear(list);
      // The API leaves the address confirmation (and its one-use link) out of the feed.
      var items = (r.status === 200 && r.body && r.body.items) || [];
      $(".nmo-notify__empty").hidden = items.length > 0;
      items.forEach(function (n) {
        var when = new Date(n.created_at);
        list.appendChild(el("li", {}, [
          el("time", { datetime: n.created_at, text: isNaN(when) ? "" : when.toLocaleDateString("ru-RU") }),
          " — ",
          el("a", { href: n.link, text: n.title }),
          el("p", { text: n.text })
        ]));
      });
    });
  }

  $(".nmo-notify__email-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("#nmo-notify-email");
    var button = $(".nmo-notify__email-form button[type=submit]");
    if (button.disabled) { return; }  // a second mail would make the first link useless
    button.disabled = true;
    request("PUT", "/api/me/email", { email: input.value }).then(function (r) {
      button.disabled = false;
      var out = $(".nmo-notify__email-result");
      if (r.status !== 202) {
        input.setAttribute("aria-invalid", "true");
        say(out, errorMessage(r.body, "Не удалось изменить адрес."), false);
        input.focus();
        return;
      }
      input.removeAttribute("aria-invalid");
      say(out, "Ссылка подтверждения отправлена на " + r.body.confirmation_sent_to + ".", true);
      showSettings(r.body);
    });
  });

  request("GET", "/api/me/notifications/preferences").then(function (r) {
    if (r.status !== 200) { return; }  // not logged in: cabinet.js shows the login link
    showSettings(r.body);
    return loadFeed();
  });
})();

/* Progressive enhancement on every page: the account widget in the portal bar and, on event
   pages, live seats with the «Записаться» button. Talks to /api/* on the same origin. */
(function () {
  "use strict";

  var api = NMO.api, errorMessage = api.errorMessage;
  var me = null; // the answer of GET /api/me, when signed in
  // Set when the visitor heads to the Госуслуги login, cleared on 401 or logout: anonymous
  // visitors never call /api/me (no API call and no 401 per page view).
  var HINT = "nmo.signedIn";

  function hinted() {
    try { return localStorage.getItem(HINT) === "1"; } catch (e) { return false; }
  }

  function setHint(on) {
    try {
      if (on) { localStorage.setItem(HINT, "1"); } else { localStorage.removeItem(HINT); }
    } catch (e) { /* storage disabled: the widget simply stays on «Войти» */ }
  }

  document.addEventListener("click", function (ev) {
    var link = ev.target && ev.target.closest ? ev.target.closest("a[href^='/api/auth/esia/login']") : null;
    if (link) { setHint(true); }
  }, true);

  function goToLogin() {
    setHint(true);
    location.assign(loginUrl());
  }

  function here() { return location.pathname + location.search; }

  function loginUrl() { return api.loginUrl(here()); }

  function show(el, visible) { if (el) { el.hidden = !visible; } }

  function account() {
    var box = document.getElementById("nmo-account");
    if (!box) { return Promise.resolve(null); }
    // The page carries the login link only (every byte counts on 20,000 element pages): the
    // signed-in parts are made here, hidden until GET /api/me answers.
    function part(cls, tag, attrs) {
      var attributes = { "class": cls, hidden: "" };
      Object.keys(attrs).forEach(function (key) { attributes[key] = attrs[key]; });
      return box.querySelector("." + cls.split(" ")[0]) || box.appendChild(NMO.el(tag, attributes));
    }
    var login = box.querySelector(".nmo-account__login");
    var name = part("nmo-account__name", "span", {});
    var cabinet = part("nmo-account__cabinet", "a", { href: "/cabinet/", text: "Личный кабинет" });
    var logout = part("nmo-account__logout md-button", "button", { type: "button", text: "Выйти" });
    var error = part("nmo-account__error", "span", { role: "alert" });
    login.href = loginUrl();
    if (!hinted()) { return Promise.resolve(null); }
    return api.me().then(function (r) {
      if (r.status !== 200 || !r.body) {
        if (r.status === 401) { setHint(false); }
        return null;
      }
      me = r.body;
      name.textContent = me.full_name || "";
      show(login, false); show(name, true); show(cabinet, true); show(logout, true);
      logout.addEventListener("click", function () {
        logout.disabled = true;
        api.request("POST", "/api/auth/logout", {}).then(function (res) {
          if (res.status >= 200 && res.status < 300) {
            setHint(false);
            var next = res.body && typeof res.body.logout_url === "string" ? res.body.logout_url : "/";
            location.assign(next);
          } else {
            logout.disabled = false;
            error.textContent = errorMessage(res.body, "Не удалось выйти. Попробуйте ещё раз.");
            show(error, true);
          }
        }, function () {
          logout.disabled = false;
          error.textContent = "Нет связи с сервером. Попробуйте ещё раз.";
          show(error, true);
        });
      });
      return me;
    }, function () { return null; });
  }

  function closedText(ev) {
    if (ev.phase === "finished") { return "Мероприятие завершено."; }
    if (ev.phase === "cancelled") { return "Мероприятие отменено организатором."; }
    if (ev.phase === "ongoing") { return "Мероприятие уже идёт: запись закрыта."; }
    return "Запись закрыта.";
  }

  function seatsText(ev) {
    if (!ev.registration_open) { return closedText(ev); }
    if (ev.seats_left > 0) { return "Свободных мест: " + ev.seats_left + " из " + ev.capacity + "."; }
    var text = "Свободных мест нет";
    if (ev.waitlist_length > 0) { text += ", в листе ожидания: " + ev.waitlist_length; }
    return text + ". Можно записаться в лист ожидания.";
  }

  function registrationText(status, body) {
    if (body && body.status === "confirmed") {
      return status === 201 ? "Вы записаны. Ждём вас на мероприятии." : "Вы уже записаны на это мероприятие.";
    }
    if (body && body.status === "waitlisted") {
      var pos = body.position ? " Ваше место в очереди: " + body.position + "." : "";
      return (status === 201 ? "Мест нет — вы в листе ожидания." : "Вы уже в листе ожидания.") + pos;
    }
    return "Заявка принята.";
  }

  function active(reg) { return reg && (reg.status === "confirmed" || reg.status === "waitlisted"); }

  function mineText(reg) {
    if (reg.status === "confirmed") { return "Вы записаны на это мероприятие."; }
    return "Вы в листе ожидания" + (reg.position ? ", место в очереди: " + reg.position : "") +
      ". Когда освободится место, запись подтвердится сама.";
  }

  function button(text, primary) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "md-button" + (primary ? " md-button--primary" : "");
    b.textContent = text;
    return b;
  }

  function eventSeats(signedIn) {
    var box = document.getElementById("nmo-seats");
    if (!box) { return; }
    var id = box.getAttribute("data-event-id");
    var live = box.querySelector(".nmo-seats__live");
    var action = box.querySelector(".nmo-seats__action");
    var result = box.querySelector(".nmo-seats__result");
    var url = "/api/events/" + encodeURIComponent(id);

    function say(text, isError) {
      result.textContent = text;
      result.classList.toggle("nmo-seats__result--error", !!isError);
      show(result, true);
    }

    // The calendar file comes from the same API: when it cannot answer for the event, the link
    // would download an error page, so it becomes a note pointing at the schedule on the page.
    function calendarUnavailable() {
      var link = document.querySelector(".nmo-calendar");
      if (!link) { return; }
      link.textContent = "Файл для календаря сейчас недоступен: сервер портала не отвечает. " +
        "Даты и время — на этой странице; попробуйте добавить в календарь позже.";
    }

    function refresh() {
      return api.request("GET", url).then(function (r) {
        if (r.status !== 200 || !r.body) {
          live.textContent = errorMessage(r.body, "Сведения о местах сейчас недоступны.");
          show(live, true);
          calendarUnavailable();
          return null;
        }
        live.textContent = seatsText(r.body);
        show(live, true);
        return r.body;
      }, function () {
        live.textContent = "Сведения о местах сейчас недоступны.";
        show(live, true);
        calendarUnavailable();
        return null;
      });
    }

    // The visitor's own registration, when signed in ({registration: null}: not registered).
    function mine() {
      if (!signedIn) { return Promise.resolve(null); }
      return api.request("GET", url + "/registrations/me").then(function (r) {
        return r.status === 200 && r.body ? r.body.registration : null;
      }, function () { return null; });
    }

    function render(ev, reg) {
      action.textContent = "";
      if (active(reg)) {
        var state = document.createElement("p");
        state.className = "nmo-seats__mine";
        state.textContent = mineText(reg);
        action.appendChild(state);
        if (ev.registration_open) {
          var cancel = button("Отменить запись", false);
          cancel.classList.add("nmo-seats__cancel");
          action.appendChild(cancel);
          cancel.addEventListener("click", function () {
            if (!window.confirm("Отменить запись на мероприятие? Место перейдёт следующему в листе ожидания.")) { return; }
            cancel.disabled = true;
            api.request("DELETE", url + "/registrations/me").then(function (r) {
              if (r.status === 200) {
                say("Запись отменена.", false);
                return refresh().then(function (fresh) { render(fresh || ev, null); });
              }
              cancel.disabled = false;
              say(errorMessage(r.body, "Не удалось отменить запись. Попробуйте позже."), true);
            }, function () {
              cancel.disabled = false;
              say("Нет связи с сервером. Попробуйте ещё раз.", true);
            });
          });
        }
        show(action, true);
        return;
      }
      if (!ev.registration_open) { show(action, false); return; }
      var register = button("Записаться", true);
      register.classList.add("nmo-seats__register");
      action.appendChild(register);
      show(action, true);
      register.addEventListener("click", function () {
        if (!signedIn) { goToLogin(); return; }
        register.disabled = true;
        api.request("POST", url + "/registrations", {}).then(function (r) {
          if (r.status === 401) { goToLogin(); return; }
          if (r.status === 200 || r.status === 201) {
            say(registrationText(r.status, r.body), false);
            return refresh().then(function (fresh) { render(fresh || ev, r.body); });
          }
          register.disabled = false;
          say(errorMessage(r.body, "Не удалось записаться. Попробуйте позже."), true);
        }, function () {
          register.disabled = false;
          say("Нет связи с сервером. Попробуйте ещё раз.", true);
        });
      });
    }

    Promise.all([refresh(), mine()]).then(function (both) {
      if (!both[0]) { show(action, false); return; }
      render(both[0], both[1]);
    });
  }

  // The login-failure help page: «Попробовать ещё раз» returns to the page the login started
  // from (the callback passes it as ?next=; the server checks it again when the login starts).
  function loginRetry() {
    // The bar's «Войти» too: after a failed login it should lead back there, not to this help.
    if (!document.querySelector("a.nmo-login-retry")) { return; }
    var links = document.querySelectorAll("a.nmo-login-retry, a.nmo-account__login");
    var next = new URLSearchParams(location.search).get("next");
    if (!next || next.charAt(0) !== "/" || next.charAt(1) === "/" || next.indexOf("\\") !== -1) {
      return; // without a usable next the link keeps its default: back to the cabinet
    }
    Array.prototype.forEach.call(links, function (a) { a.href = api.loginUrl(next); });
  }

  var signedIn = account(); // sets the bar's login link first, which loginRetry may refine
  loginRetry();
  signedIn.then(function (person) { eventSeats(person !== null); });
}());

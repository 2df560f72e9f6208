/* Helpers shared by the page scripts (portal.js, catalog.js, the cabinet, the organizer's tools,
   moderation): elements built from text (values from the API never go into a page as HTML), dates
   in Russian, and the same-origin JSON client of /api/*. Loaded on every page before the others
   (first in mkdocs.yml extra_javascript; the pages' own scripts are deferred). */
(function () {
  "use strict";

  // The CSRF token of the session, from the last 200 of GET /api/me (NMO.api.me) on this page.
  var csrfToken = null;

  // el("a", { href: "/", "class": "x", text: "…" }, [child, "text", null]): "text" sets
  // textContent, every other key is an attribute; string children become text nodes.
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  // "2026-03-05" (or a longer ISO string) → "05.03.2026"; anything else → "".
  function ruDate(iso) {
    if (!iso || typeof iso !== "string" || iso.length < 10) { return ""; }
    return iso.slice(8, 10) + "." + iso.slice(5, 7) + "." + iso.slice(0, 4);
  }

  // One call to the API: JSON in and out, cookies of the same origin, the CSRF token on every
  // method but GET once /api/me has given it. Resolves to { status, body (null when not JSON),
  // headers }; rejects only when there is no answer at all.
  function request(method, url, data) {
    var headers = { Accept: "application/json" };
    var options = { method: method, credentials: "same-origin", headers: headers };
    if (data !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(data);
    }
    if (method !== "GET" && csrfToken) { headers["X-CSRF-Token"] = csrfToken; }
    return fetch(url, options).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (body) {
        return { status: res.status, body: body, headers: res.headers };
      });
    });
  }

  // GET /api/me; on 200 keeps the session's CSRF token for the requests that follow.
  function me() {
    return request("GET", "/api/me").then(function (r) {
      if (r.status === 200) { csrfToken = (r.body && r.body.csrf_token) || null; }
      return r;
    });
  }

  // The API's errors are {"error": {"code", "message" (Russian, for people), "field"}}.
  function errorMessage(body, fallback) {
    return body && body.error && typeof body.error.message === "string" ? body.error.message : fallback;
  }

  function error(r, fallback) {
    var e = r.body && r.body.error;
    return {
      message: e && typeof e.message === "string" ? e.message : fallback,
      field: e && typeof e.field === "string" ? e.field : null,
      // Every bad field of a form, when the API listed several ({field, message} each).
      problems: e && Array.isArray(e.problems) ? e.problems.filter(function (p) {
        return p && typeof p.message === "string";
      }) : []
    };
  }

  // The Госуслуги login that comes back to `next` (a path on this site).
  function loginUrl(next) { return "/api/auth/esia/login?next=" + encodeURIComponent(next); }

  window.NMO = {
    el: el,
    clear: clear,
    ruDate: ruDate,
    api: { request: request, me: me, errorMessage: errorMessage, error: error, loginUrl: loginUrl }
  };
}());

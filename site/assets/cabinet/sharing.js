/* The cabinet's switch: whether my employer sees my status (not my ledger). On by default;
   every change is audited and shows in the history. */
(function () {
  "use strict";

  var box = document.getElementById("nmo-cab-sharing");
  if (!box) { return; }
  var input = box.querySelector(".nmo-cab__sharing");
  var result = box.querySelector(".nmo-cab__sharing-result");
  var request = NMO.api.request, errorOf = NMO.api.error;

  NMO.api.me().then(function (r) {
    if (r.status !== 200) { return null; }
    return request("GET", "/api/me/sharing");
  }).then(function (r) {
    if (!r || r.status !== 200) { return; }
    input.checked = r.body.shares_with_employer;
    box.querySelector(".nmo-cab__sharing-explained").textContent = r.body.explanation;
    box.hidden = false;
  });

  input.addEventListener("change", function () {
    var wanted = input.checked;
    input.disabled = true;
    request("PUT", "/api/me/sharing", { shares_with_employer: wanted }).then(function (r) {
      input.disabled = false;
      if (r.status !== 200) {
        input.checked = !wanted;
        result.textContent = errorOf(r, "Не удалось сохранить.").message;
        return;
      }
      input.checked = r.body.shares_with_employer;
      result.textContent = wanted ? "Работодатель видит ваш статус по циклам." : "Работодатель больше не видит ваш статус.";
    });
  });
}());

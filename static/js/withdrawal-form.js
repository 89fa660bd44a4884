// Withdrawal application forms: show the facts and the documents the chosen reason needs.
(function () {
  "use strict";
  function setup() {
    var data = document.getElementById("reason-needs");
    var reason = document.getElementById("id_reason");
    if (!data || !reason) { return; }
    var needs = JSON.parse(data.textContent);
    function show() {
      var need = needs[reason.value] || {docs: [], fields: []};
      document.querySelectorAll("[data-doc]").forEach(function (el) {
        var doc = el.getAttribute("data-doc");
        var wanted = need.docs.indexOf(doc) >= 0;
        el.hidden = !(wanted || doc === "other");
        el.querySelector("label").classList.toggle("fw-bold", wanted);
      });
      document.querySelectorAll("[data-fact]").forEach(function (el) {
        var field = el.getAttribute("data-fact");
        // a field with an error stays visible, so the message is seen
        el.hidden = need.fields.indexOf(field) < 0 && !el.querySelector(".text-danger");
      });
    }
    reason.addEventListener("change", show);
    show();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();

// Withdrawal application forms: show the facts and the documents the chosen reason needs. The documents can
// depend on the facts (a parent's home for a lift, no heir after a death): the eligibility check (htmx) says
// which, and the upload inputs follow.
(function () {
  "use strict";
  function setup() {
    var data = document.getElementById("reason-needs");
    var reason = document.getElementById("id_reason");
    if (!data || !reason) { return; }
    var needs = JSON.parse(data.textContent);
    var checked = [];  // documents the last eligibility check asked for
    function show() {
      var need = needs[reason.value] || {docs: [], fields: []};
      var docs = need.docs.concat(checked);
      document.querySelectorAll("[data-doc]").forEach(function (el) {
        var doc = el.getAttribute("data-doc");
        var wanted = docs.indexOf(doc) >= 0;
        el.hidden = !(wanted || doc === "other");
        el.querySelector("label").classList.toggle("fw-bold", wanted);
      });
      document.querySelectorAll("[data-fact]").forEach(function (el) {
        var field = el.getAttribute("data-fact");
        // a field with an error stays visible, so the message is seen
        el.hidden = need.fields.indexOf(field) < 0 && !el.querySelector(".invalid-feedback");
      });
    }
    reason.addEventListener("change", function () { checked = []; show(); });
    document.body.addEventListener("htmx:afterSwap", function () {
      var preview = document.getElementById("preview");
      var docs = preview ? preview.getAttribute("data-docs") : "";
      checked = docs ? docs.split(" ") : [];
      show();
    });
    show();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();

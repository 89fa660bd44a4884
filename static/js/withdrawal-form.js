// Withdrawal application forms: show the upload inputs and fields the chosen reason needs.
(function () {
  "use strict";
  function setup() {
    var data = document.getElementById("evidence-by-reason");
    var reason = document.getElementById("id_reason");
    if (!data || !reason) { return; }
    var evidence = JSON.parse(data.textContent);
    function show() {
      var needed = evidence[reason.value] || [];
      document.querySelectorAll("[data-doc]").forEach(function (el) {
        var doc = el.getAttribute("data-doc");
        var wanted = needed.indexOf(doc) >= 0;
        el.hidden = !(wanted || doc === "other");
        el.querySelector("label").classList.toggle("fw-bold", wanted);
      });
      document.querySelectorAll("[data-death-only]").forEach(function (el) {
        el.hidden = reason.value !== "death";
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

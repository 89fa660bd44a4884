// Admin, periodic task form: show the readable form of the chosen crontab under the field (django-celery-beat's
// behaviour, moved out of its inline script so that the Content-Security-Policy allows it).
(function () {
  "use strict";
  var $ = window.django && window.django.jQuery;
  if (!$) { return; }
  $(function () {
    var readable = JSON.parse(document.getElementById("readable-crontabs").textContent || "{}");
    var help = JSON.parse(document.getElementById("crontab-help").textContent || '""');
    $(".field-crontab_translation").hide();
    $(".field-crontab").on("change", function () {
      var text = readable[$("#id_crontab").val()] || "";
      $(".field-crontab .help").text(help).append("<br>", document.createTextNode(text));
    });
  });
})();

// Shows a talk's time in the visitor's own zone beside the venue's (which the server renders).
(function () {
  "use strict";
  function show(el) {
    var start = new Date(el.dataset.start);
    if (isNaN(start)) return;
    var end = el.dataset.end ? new Date(el.dataset.end) : null;
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "your time zone";
    var day = new Intl.DateTimeFormat(undefined, {
      weekday: "short", day: "numeric", month: "short", year: "numeric",
    });
    var clock = new Intl.DateTimeFormat(undefined, {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short",
    });
    var text = day.format(start) + ", " + clock.format(start).replace(/\s\S+$/, "");
    if (end && !isNaN(end)) text += "–" + clock.format(end);
    else text += " " + clock.format(start).split(" ").pop();
    el.textContent = "Your time: " + text + " (" + zone + ")";
    el.hidden = false;
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-local-time]").forEach(show);
  });
})();

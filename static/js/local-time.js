// Shows a talk's time in the visitor's own zone under the venue's (which the server renders),
// naming the zone once as the server does: "(Europe/Paris, UTC+2)", never an abbreviation
// such as "CST" that several zones share. Dates are written in the page's language (<html lang>)
// and the label comes translated from the server (data-label).
(function () {
  "use strict";
  var UTC_NAMES = ["UTC", "Etc/UTC", "Etc/Universal", "Etc/Zulu", "Universal", "Zulu"];

  // The visitor's offset from UTC at that moment (summer time changes it): UTC+2, UTC-3:30.
  function utcOffset(date) {
    var minutes = -date.getTimezoneOffset();
    var sign = minutes < 0 ? "-" : "+";
    var hours = Math.floor(Math.abs(minutes) / 60);
    var rest = Math.abs(minutes) % 60;
    return "UTC" + sign + hours + (rest ? ":" + String(rest).padStart(2, "0") : "");
  }

  function zoneLabel(zone, date) {
    if (zone && UTC_NAMES.indexOf(zone) !== -1) return "UTC";
    return zone ? zone + ", " + utcOffset(date) : utcOffset(date);
  }

  // The page's language, in the visitor's own variant of it where the browser names one
  // (an en-GB browser keeps its day-month order on an English page).
  function pageLocale() {
    var lang = document.documentElement.lang || "en";
    var primary = lang.split("-")[0].toLowerCase();
    var own = (navigator.languages || []).find(function (tag) {
      return tag.split("-")[0].toLowerCase() === primary;
    });
    try {
      return Intl.DateTimeFormat.supportedLocalesOf([own || lang]).length ? own || lang : lang;
    } catch {
      return lang; // a malformed tag in the browser's list
    }
  }

  function show(el) {
    var start = new Date(el.dataset.start);
    if (isNaN(start)) return;
    var end = el.dataset.end ? new Date(el.dataset.end) : null;
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    // A visitor in the venue's own zone already reads their time on the line above.
    if (zone && zone === el.dataset.venueZone) return;
    var locale = pageLocale();
    // Chinese writes the day and the clock with a space between them, not a comma.
    var sep = /^zh/i.test(locale) ? " " : ", ";
    var day = new Intl.DateTimeFormat(locale, {
      weekday: "short", day: "numeric", month: "short", year: "numeric",
    });
    var clock = new Intl.DateTimeFormat(locale, {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    });
    var text = day.format(start) + sep + clock.format(start);
    if (end && !isNaN(end)) {
      // An end on another day (in the visitor's zone) names that day too.
      var endDay = day.format(end);
      text += "–" + (endDay === day.format(start) ? "" : endDay + sep) + clock.format(end);
    }
    var label = el.dataset.label || "Your time:";
    el.textContent = label + " " + text + " (" + zoneLabel(zone, start) + ")";
    el.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-local-time]").forEach(show);
  });
})();

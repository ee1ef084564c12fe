// Names the chosen venue's time zone beside a talk's start and end in the page editor, and
// keeps it current when the editor picks another venue: times are typed as that venue's clock.
// Each input (talks/forms.py, VenueTimeInput) carries every venue's zone and the two wordings.
(() => {
  "use strict";

  function helpOf(input) {
    const ids = (input.getAttribute("aria-describedby") || "").split(/\s+/);
    const id = ids.find((each) => each.endsWith("-helptext"));
    return id ? document.getElementById(id) : null;
  }

  function update(venueId) {
    for (const input of document.querySelectorAll("input[data-venue-zones]")) {
      const help = helpOf(input);
      if (!help) continue;
      let zones = {};
      try {
        zones = JSON.parse(input.dataset.venueZones);
      } catch {
        continue;
      }
      // A venue made in the chooser just now is not in the list: its zone shows after saving.
      const zone = venueId ? zones[venueId] || "named after saving" : null;
      help.textContent = zone
        ? input.dataset.zoneHelp.replace("{zone}", zone)
        : input.dataset.noZoneHelp;
    }
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.name === "venue") update(target.value);
  });
})();

// A box above a long select (select[data-filter-placeholder], e.g. a venue's time zone) that
// filters its options as one types: "shang" leaves Asia/Shanghai. Without this script the
// select works as is. Loaded as the widget's media (talks/forms.py, TimeZoneSelect).
(() => {
  "use strict";

  function enhance(select) {
    if (select.dataset.filterReady) return;
    select.dataset.filterReady = "true";
    const box = document.createElement("input");
    box.type = "search";
    box.className = "filter-select-box";
    box.placeholder = select.dataset.filterPlaceholder;
    box.setAttribute("aria-label", select.dataset.filterPlaceholder);
    box.setAttribute("aria-controls", select.id);
    box.autocomplete = "off";
    const count = document.createElement("span");
    count.className = "help-block";
    count.setAttribute("role", "status");
    select.before(box, count);

    box.addEventListener("input", () => {
      const words = box.value.trim().toLowerCase().replace(/\s+/g, "_");
      let matches = 0;
      let first = null;
      for (const option of select.options) {
        if (!option.value) continue; // the empty choice stays, so none can be picked
        const shown = option.value.toLowerCase().includes(words);
        option.hidden = !shown;
        if (shown) {
          matches += 1;
          first ??= option;
        }
      }
      count.textContent = words ? `${matches} match${matches === 1 ? "" : "es"}` : "";
      // The select shows the first match, so that typing a city's name picks its zone.
      const current = select.selectedOptions[0];
      if (words && first && (!current || current.hidden || !current.value)) {
        select.value = first.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function enhanceAll() {
    document.querySelectorAll("select[data-filter-placeholder]").forEach(enhance);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhanceAll);
  } else {
    enhanceAll();
  }
})();

// The demo block's run-time estimate in the page editor. When a parameter changes, the
// parameters as typed go to the admin's estimate endpoint (demos/admin_api.py); the block then
// shows "about 4 s (at most 60 s)", or what saving would refuse, before the editor saves.
// Loaded by talks/editor_hooks.py with the endpoint's address (a placeholder for the slug).
(() => {
  "use strict";

  const urlTemplate = document.currentScript?.dataset.estimateUrl;
  if (!urlTemplate) return;
  // Inputs of the block's "params" struct are named "<prefix>-params-<parameter>".
  const PARAMETER_NAME = /-params-(\w+)$/;
  const WAIT_MS = 300;
  const pending = new WeakMap(); // demo block element -> {timer, sequence}

  function demoBlockOf(element) {
    return element instanceof Element ? element.closest("[data-demo-slug]") : null;
  }

  function typedParameters(block) {
    const params = {};
    for (const input of block.querySelectorAll("input[name], select[name], textarea[name]")) {
      const match = PARAMETER_NAME.exec(input.name);
      if (match) params[match[1]] = input.value;
    }
    return params;
  }

  function outputOf(block) {
    let output = block.querySelector(":scope > .demo-estimate");
    if (!output) {
      output = document.createElement("p");
      output.className = "demo-estimate help-block";
      output.setAttribute("role", "status");
      block.append(output);
    }
    return output;
  }

  function csrfHeaders() {
    const element = document.getElementById("wagtail-config");
    const config = element ? JSON.parse(element.textContent) : window.wagtailConfig || {};
    if (!config.CSRF_TOKEN) return {};
    return { [config.CSRF_HEADER_NAME || "X-CSRFToken"]: config.CSRF_TOKEN };
  }

  async function estimate(block, sequence) {
    const output = outputOf(block);
    const url = urlTemplate.replace("__slug__", encodeURIComponent(block.dataset.demoSlug));
    let text;
    let refused = false;
    try {
      const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", ...csrfHeaders() },
        body: JSON.stringify({ params: typedParameters(block) }),
      });
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const body = await response.json();
      if (typeof body.summary !== "string") throw new Error("the answer had no summary");
      text = `Estimated run time: ${body.summary}`;
      refused = Array.isArray(body.errors) && body.errors.length > 0;
      if (refused) text = `Not saved as is: ${body.summary}`;
    } catch (error) {
      text = `No estimate: ${error.message}.`;
    }
    // A slower answer to an earlier change must not overwrite a later one.
    if (pending.get(block)?.sequence !== sequence) return;
    output.textContent = text;
    output.classList.toggle("error-message", refused);
  }

  function schedule(block) {
    const last = pending.get(block);
    clearTimeout(last?.timer);
    const sequence = (last?.sequence ?? 0) + 1;
    const timer = setTimeout(() => estimate(block, sequence), WAIT_MS);
    pending.set(block, { timer, sequence });
  }

  for (const type of ["input", "change"]) {
    document.addEventListener(type, (event) => {
      const block = demoBlockOf(event.target);
      if (block && PARAMETER_NAME.test(event.target.name || "")) schedule(block);
    });
  }
  // The first estimate when the editor reaches a block, so the defaults' time is shown too.
  document.addEventListener("focusin", (event) => {
    const block = demoBlockOf(event.target);
    if (block && !pending.has(block)) schedule(block);
  });
})();

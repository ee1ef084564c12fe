// Demos beside the abstract: draw each stored figure, build controls from the demo's parameter
// schema, start runs through the JSON API and follow them (progress bar, partial charts) to the end.
(function () {
  "use strict";

  var POLL_MS = 500;
  var DEBOUNCE_MS = 600;
  var PLOT_CONFIG = {
    responsive: true,
    displaylogo: false,
    toImageButtonOptions: { format: "png", scale: 2, filename: "demo" },
  };
  var uid = 0;

  function readJSON(root, name) {
    var holder = root.querySelector('[data-json="' + name + '"] script');
    if (!holder) return null;
    try {
      var value = JSON.parse(holder.textContent);
      return value && typeof value === "object" ? value : null;
    } catch (error) {
      return null;
    }
  }

  function make(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (attributes[name] !== undefined && attributes[name] !== null) {
        node.setAttribute(name, attributes[name]);
      }
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function draw(chart, figure) {
    var placeholder = chart.querySelector(".demo-placeholder");
    if (placeholder) placeholder.remove();
    return Plotly.react(chart, {
      data: figure.data || [],
      layout: figure.layout || {},
      frames: figure.frames || [],
      config: PLOT_CONFIG,
    });
  }

  // --- controls made from the JSON Schema ------------------------------------------------

  function bounds(spec) {
    var min = spec.minimum !== undefined ? spec.minimum : spec.exclusiveMinimum;
    var max = spec.maximum !== undefined ? spec.maximum : spec.exclusiveMaximum;
    return { min: min, max: max };
  }

  function buildField(name, spec, value) {
    var id = "demo-field-" + ++uid;
    var field = make("div", { class: "demo-field", "data-name": name });
    var title = spec.title || name;
    // "Steps (steps)" says nothing twice: add the unit only when the title lacks it.
    if (spec.unit && title.toLowerCase().indexOf(spec.unit) === -1) title += " (" + spec.unit + ")";
    field.appendChild(make("label", { for: id }, title));
    var help = spec.description ? make("small", { id: id + "-help", class: "muted" }, spec.description) : null;
    var input;
    if (spec.enum) {
      input = make("select", { id: id, name: name });
      spec.enum.forEach(function (option) {
        var choice = make("option", { value: option }, option);
        if (option === value) choice.selected = true;
        input.appendChild(choice);
      });
      field.appendChild(input);
    } else if (spec.type === "array") {
      input = make("input", { id: id, name: name, type: "text", inputmode: "decimal", "data-kind": "array" });
      input.value = (value || []).join(", ");
      field.appendChild(input);
    } else {
      var range = bounds(spec);
      var integer = spec.type === "integer";
      input = make("input", {
        id: id, name: name, type: "number", min: range.min, max: range.max,
        step: integer ? 1 : "any", "data-kind": integer ? "integer" : "number",
      });
      input.value = value;
      var span = range.max - range.min;
      // A slider helps for bounded, not astronomically wide ranges (not for seeds).
      if (isFinite(span) && !(integer && span > 1e6)) {
        var step = integer ? Math.max(1, Math.round(span / 200)) : span / 200;
        var slider = make("input", {
          type: "range", min: spec.minimum !== undefined ? range.min : range.min + step,
          max: range.max, step: step, "aria-label": title + " slider", tabindex: "-1",
        });
        slider.value = value;
        slider.addEventListener("input", function () {
          input.value = integer ? slider.value : Number(slider.value).toPrecision(3).replace(/\.?0+$/, "");
        });
        slider.addEventListener("change", function () {
          input.dispatchEvent(new Event("change", { bubbles: true }));
        });
        input.addEventListener("input", function () { slider.value = input.value; });
        var row = make("div", { class: "demo-slider-row" });
        row.appendChild(slider);
        row.appendChild(input);
        field.appendChild(row);
      } else {
        field.appendChild(input);
      }
    }
    if (help) {
      input.setAttribute("aria-describedby", id + "-help");
      field.appendChild(help);
    }
    field.appendChild(make("span", { class: "demo-field-error", role: "alert", hidden: "" }));
    return field;
  }

  function readValue(input) {
    var text = input.value.trim();
    switch (input.dataset.kind) {
      case "integer":
      case "number": {
        // What cannot be read as a number is sent as typed, so the server names the field.
        var number = Number(text);
        return text === "" || !isFinite(number) ? text : number;
      }
      case "array":
        return text.split(/[,\s]+/).filter(Boolean).map(function (part) {
          var number = Number(part);
          return isFinite(number) ? number : part;
        });
      default:
        return text;
    }
  }

  // --- runs -------------------------------------------------------------------------------

  function Demo(root) {
    this.root = root;
    this.chart = root.querySelector(".demo-chart");
    this.progress = root.querySelector(".demo-progress");
    this.message = root.querySelector(".demo-message");
    this.permalink = root.querySelector(".demo-permalink");
    this.form = root.querySelector(".demo-controls");
    this.formError = root.querySelector(".demo-form-error");
    this.token = 0;
    this.timer = null;
  }

  Demo.prototype.start = function () {
    var figure = readJSON(this.root, "figure");
    if (figure) draw(this.chart, figure);
    this.buildControls();
    var run = this.root.dataset.run;
    var status = this.root.dataset.status;
    if (run && status !== "done" && status !== "failed") {
      this.follow("/api/runs/" + run, ++this.token);
    } else if (!run && !this.root.dataset.live) {
      // The default run was never computed (published before a worker ran): ask for it now.
      this.request(this.currentParams());
    }
  };

  Demo.prototype.buildControls = function () {
    var schema = readJSON(this.root, "schema");
    var params = readJSON(this.root, "params") || {};
    if (!schema || !this.form) return;
    var fields = this.form.querySelector(".demo-fields");
    Object.keys(schema.properties).forEach(function (name) {
      fields.appendChild(buildField(name, schema.properties[name], params[name]));
    });
    var self = this;
    this.form.addEventListener("change", function () {
      clearTimeout(self.timer);
      self.timer = setTimeout(function () { self.request(self.currentParams()); }, DEBOUNCE_MS);
    });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(self.timer);
      self.request(self.currentParams());
    });
  };

  Demo.prototype.currentParams = function () {
    var params = readJSON(this.root, "params") || {};
    if (!this.form) return params;
    this.form.querySelectorAll("[name]").forEach(function (input) {
      params[input.name] = readValue(input);
    });
    return params;
  };

  Demo.prototype.say = function (text, busy) {
    this.message.textContent = text;
    this.root.classList.toggle("is-busy", !!busy);
  };

  Demo.prototype.showErrors = function (detail) {
    var form = this.form;
    form.querySelectorAll(".demo-field-error").forEach(function (node) {
      node.hidden = true;
      node.textContent = "";
    });
    this.formError.hidden = true;
    if (!Array.isArray(detail)) return;
    var self = this;
    detail.forEach(function (item) {
      var name = String(item.field || "").split(".")[0];
      var slot = form.querySelector('.demo-field[data-name="' + name + '"] .demo-field-error');
      if (slot) {
        slot.textContent = item.message;
        slot.hidden = false;
      } else {
        self.formError.textContent = (item.field ? item.field + ": " : "") + item.message;
        self.formError.hidden = false;
      }
    });
    var details = this.root.querySelector(".demo-controls-box");
    if (details) details.open = true;
  };

  Demo.prototype.request = function (params) {
    var token = ++this.token;
    var self = this;
    var query = new URLSearchParams();
    if (this.root.dataset.talk) query.set("talk", this.root.dataset.talk);
    var headers = { "Content-Type": "application/json" };
    if (this.root.dataset.live) {
      query.set("live", "true");
      var csrf = document.querySelector("[name=csrfmiddlewaretoken]");
      if (csrf) headers["X-CSRFToken"] = csrf.value;
    }
    this.showErrors([]);
    this.say("Asking for a run…", true);
    return fetch(this.root.dataset.runsUrl + (query.toString() ? "?" + query : ""), {
      method: "POST", headers: headers, body: JSON.stringify(params), credentials: "same-origin",
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (token !== self.token) return;
        if (response.ok) return self.follow(body.url, token);
        if (response.status === 422 || response.status === 400) {
          self.showErrors(body.detail);
          self.say("Check the parameters marked below.");
        } else {
          var wait = response.headers.get("Retry-After");
          self.say((typeof body.detail === "string" ? body.detail : "The run could not start.") +
            (wait ? " Try again in " + wait + " s." : ""));
        }
      });
    }).catch(function () {
      if (token === self.token) self.say("The server could not be reached; try again.");
    });
  };

  Demo.prototype.follow = function (url, token) {
    var self = this;
    this.progress.hidden = false;
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.json();
    }).then(function (run) {
      if (token !== self.token) return;
      self.progress.value = run.progress;
      self.root.dataset.run = run.id;
      self.root.dataset.status = run.status;
      var drawn = run.figure ? draw(self.chart, run.figure) : Promise.resolve();
      return drawn.then(function () {
        if (token !== self.token) return;
        if (run.status === "done") {
          self.progress.hidden = true;
          self.say("");
          var link = self.permalink.querySelector("a");
          link.href = run.permalink;
          link.textContent = "run " + run.id;
          self.permalink.hidden = false;
          self.root.dispatchEvent(new CustomEvent("demo:done", { detail: run, bubbles: true }));
        } else if (run.status === "failed") {
          self.progress.hidden = true;
          self.say("This run failed: " + run.error);
        } else {
          self.say(run.status === "queued" ? "Waiting for a worker…" :
            "Computing… " + Math.round(100 * run.progress) + "%", true);
          return sleep(POLL_MS).then(function () { return self.follow(url, token); });
        }
      });
    }).catch(function () {
      if (token !== self.token) return;
      self.say("Lost contact with the server; retrying…", true);
      return sleep(4 * POLL_MS).then(function () { return self.follow(url, token); });
    });
  };

  // --- replays of runs recorded at a talk -------------------------------------------------

  function startReplay(node) {
    var figure = readJSON(node, "replay");
    if (!figure) return;
    var frames = figure.frames || [];
    Plotly.newPlot(node, figure.data, figure.layout, PLOT_CONFIG).then(function () {
      // Keep the final figure's axes while frames show the early, smaller picture.
      var full = node._fullLayout;
      var fixed = {};
      Object.keys(full).forEach(function (key) {
        if (/^[xy]axis\d*$/.test(key) && full[key].range) {
          fixed[key + ".range"] = full[key].range.slice();
          fixed[key + ".autorange"] = false;
        }
      });
      return Plotly.relayout(node, fixed);
    }).then(function () {
      return Plotly.addFrames(node, frames);
    }).then(function () {
      node.dataset.ready = "true";
    });
  }

  // In the presenter view, each finished run joins the list of runs recorded at the talk.
  function listRecorded(event) {
    var list = document.getElementById("recorded-list");
    var run = event.detail;
    if (!list || !event.target.dataset.live || list.querySelector('[data-run="' + run.id + '"]')) return;
    var empty = list.querySelector(".muted:only-child");
    if (empty) empty.remove();
    var item = make("li", { "data-run": run.id });
    item.appendChild(make("a", { href: run.permalink }, "Run " + run.id + " (" + run.demo + ")"));
    list.appendChild(item);
  }

  function init() {
    if (typeof Plotly === "undefined") return;
    document.addEventListener("demo:done", listRecorded);
    document.querySelectorAll(".demo").forEach(function (root) { new Demo(root).start(); });
    document.querySelectorAll(".demo-replay").forEach(startReplay);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

// Demos beside a talk's abstract: each <demo-widget> draws its stored figure, builds controls from
// the demo's parameter schema, asks the JSON API for runs and follows them to the end, and says
// plainly when that fails. Run pages replay how a recorded run's chart grew. Every URL comes from
// the page's data attributes or from the API's answers.

// Timings in milliseconds. A widget's data attributes override them (data-poll-ms="50",
// data-give-up-after="3", ...) so that tests need not wait a minute for the slow paths.
const DEFAULTS = Object.freeze({
  pollMs: 500, // between two looks at a run in progress...
  firstPollMs: 150, // ...after a quicker first few (each wait 1.5 times the last): a chart's
  // first partial drawing shows soon after the worker writes it
  debounceMs: 600, // after the last change to the controls, before a run is asked for
  retryMs: 500, // the wait after a failed look; it doubles with each failure in a row...
  retryMaxMs: 8000, // ...up to this
  giveUpAfter: 6, // failed looks in a row (a count) before the widget stops following
  queuedLimitMs: 60_000, // still queued after this long: no worker is taking runs
});
const PLOT_CONFIG = Object.freeze({
  responsive: true,
  displaylogo: false,
  // One button, "Download plot as a PNG": plotly.js's others (zoom modes, autoscale, spikes)
  // are tab stops few visitors need, and the drag and double-click on the chart remain.
  modeBarButtons: [["toImage"]],
  toImageButtonOptions: { format: "png", scale: 2, filename: "demo" },
});
// Charts are drawn when they come within this distance of the viewport, not all at once on
// load: a talk page carries six, and drawing them is most of the page's work.
const DRAW_AHEAD = "400px 0px";
// Below this viewport width a figure's phone layout (layout.meta.phone: panels stacked, legend
// below) replaces its desktop one.
const PHONE = window.matchMedia?.("(max-width: 640px)") ?? { matches: false };
const FRAME_MS = 120; // between two frames of an animation played
const RUN_STATUSES = new Set(["queued", "running", "done", "failed"]);
// Everything this script says to a visitor, in English. A page in another language gives the
// same keys translated in <script type="application/json" id="demo-messages"> (the template
// demos/includes/scripts.html, from demos/templatetags/demo_tags.py); {names} are filled here.
const ENGLISH = Object.freeze({
  computing: "The chart is being computed; it appears here when it is ready.",
  noPlotly: "The chart library did not load: reload the page to see this demo.",
  seconds: "{seconds} s",
  minutes: "{minutes} min",
  frame: "Frame",
  animation: "{label}: animation",
  frameValue: "{label}: {value}",
  play: "▶ Play",
  pause: "❚❚ Pause",
  tableCaption: "The chart's lines",
  tableLine: "Line",
  tablePoints: "Points",
  tableX: "x from … to",
  tableY: "y first → last",
  tableRange: "y lowest … highest",
  lineNumber: "line {number}",
  unreachable: "The server could not be reached.",
  serverAnswered: "The server answered {status}.",
  unreadable: "The server's answer could not be read.",
  noRunUrl: "This page does not say where to find its run.",
  noRunsUrl: "This page does not say where to ask for runs.",
  broken: "Something went wrong while showing this demo: reload the page to try again.",
  runLink: "run {id}",
  pressRun: "{message} Press Run to try again.",
  notValid: "is not valid",
  fieldError: "{field}: {message}",
  fieldTitle: "{title} ({unit})",
  slider: "{title} slider",
  pleaseWait: "Please wait {duration} before asking for another run.",
  asking: "Asking for a run…",
  previousRun: " (the previous run, shown while run {id} is computed)",
  checkParameters: "Check the parameters marked below.",
  tryAgainIn: "{message} You can try again in {duration}.",
  runAgainNow: "You can run it again now.",
  noChart: "No chart to show.",
  noChartYet: "No chart to show yet.",
  runGone: "This run no longer exists.",
  cannotShow: "This run cannot be shown: {message}",
  serverTrouble: "The server is having trouble",
  lostContact: "Lost contact with the server",
  gaveUp: "{trouble}: gave up after {count} tries.",
  retrying: "{trouble}; trying again ({count} of {limit})…",
  runFailedBecause: "This run failed: {error}",
  runFailed: "This run failed.",
  noWorker: "No worker is taking runs right now: this run has waited {duration} to start.",
  waiting: "Waiting for a worker…",
  progress: "Computing… {percent}%",
  computingChart: "Computing the chart…",
  computedIn: "computed in {seconds} s",
  compareWith: "compare with run {id}",
  finished: "Run {id} finished. {summary}",
  finishedIn: "Run {id} finished in {seconds} s. {summary}",
  chartShowsIt: "The chart shows it.",
  recordedRun: "{title}, run {id}",
});

/** The page's messages (read once): its translations over the English, key by key. */
const MESSAGES = (() => {
  const messages = { ...ENGLISH };
  const holder = document.getElementById("demo-messages");
  let given = null;
  try {
    given = holder ? JSON.parse(holder.textContent) : null;
  } catch {
    given = null; // a broken holder is a missing one: English
  }
  if (given !== null && typeof given === "object") {
    for (const name of Object.keys(ENGLISH)) {
      if (typeof given[name] === "string" && given[name]) messages[name] = given[name];
    }
  }
  return Object.freeze(messages);
})();

/** The message `name`, its {placeholders} filled from `values` (any not given left as written). */
function t(name, values = {}) {
  return MESSAGES[name].replace(/\{(\w+)\}/g, (whole, key) =>
    Object.hasOwn(values, key) ? String(values[key]) : whole,
  );
}

// The page's language ("en", "zh-Hans"). The API answers in the one a request names
// (Accept-Language): a run's figure, its errors and its permalink in the page's, whatever the
// browser's own.
const LANGUAGE = document.documentElement.lang;
const LANGUAGE_HEADERS = LANGUAGE ? { "Accept-Language": LANGUAGE } : {};
// plotly.js's own words (its button's tooltip, its notices) in the page's language: a Chinese
// page loads the zh-CN locale (static/js/plotly-locale-zh-cn.js, named by data-plotly-locale)
// after plotly.js, and draws with it.
const PLOTLY_LOCALE = /^zh\b/i.test(LANGUAGE) ? "zh-CN" : null;
let plotConfig = PLOT_CONFIG; // with `locale` once the page's locale is registered
let uid = 0;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const isFigure = (value) => isObject(value) && Array.isArray(value.data);

function settingsFrom(dataset) {
  const settings = { ...DEFAULTS };
  for (const name of Object.keys(DEFAULTS)) {
    const value = Number(dataset[name]);
    if (dataset[name] !== undefined && Number.isFinite(value) && value >= 0) settings[name] = value;
  }
  return settings;
}

/** "30 s" or "3 min": how long a visitor is asked to wait. */
function duration(ms) {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 90) return t("seconds", { seconds });
  return t("minutes", { minutes: Math.ceil(seconds / 60) });
}

function readJSON(root, name) {
  const holder = root.querySelector(`[data-json="${name}"] script`);
  if (!holder) return null;
  try {
    const value = JSON.parse(holder.textContent);
    return isObject(value) ? value : null;
  } catch {
    return null; // a broken holder is treated as a missing one: nothing to draw or prefill
  }
}

function make(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

/** plotly.js could not be loaded (blocked, offline, or the page names none). */
class PlotlyMissing extends Error {}

let plotlyLoading = null;
let localeLoading = null;

/** Runs the classic script at `src`; resolves once it has run, rejects if it cannot load. */
function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = make("script", { src });
    script.addEventListener("load", () => resolve());
    script.addEventListener("error", () => reject(new Error(`${src} did not load`)));
    document.head.append(script);
  });
}

/** plotly.js, loaded once, when the first chart is about to be drawn. */
function loadPlotly() {
  if (typeof Plotly !== "undefined") return loadPlotlyLocale();
  plotlyLoading ??= new Promise((resolve, reject) => {
    const src = document.querySelector("script[data-plotly]")?.dataset.plotly;
    if (!src) {
      reject(new PlotlyMissing(t("noPlotly")));
      return;
    }
    loadScript(src).then(resolve, () => reject(new PlotlyMissing(t("noPlotly"))));
  }).then(loadPlotlyLocale);
  return plotlyLoading;
}

/** The page's plotly.js locale, registered once (plotly.js stays in English where it fails). */
function loadPlotlyLocale() {
  if (!PLOTLY_LOCALE) return Promise.resolve();
  localeLoading ??= (async () => {
    const src = document.querySelector("script[data-plotly-locale]")?.dataset.plotlyLocale;
    if (!src) return;
    try {
      await loadScript(src);
    } catch {
      return; // the charts still draw, with plotly.js's English tooltips
    }
    plotConfig = Object.freeze({ ...PLOT_CONFIG, locale: PLOTLY_LOCALE });
  })();
  return localeLoading;
}

/** Calls `show` once `node` is in the viewport, or near it once the visitor scrolls (at once
 * where the browser cannot tell). A chart just below the fold of a page nobody has scrolled
 * yet (a shorter page, in Chinese) does not load plotly.js with the page. */
function whenNear(node, show) {
  if (typeof IntersectionObserver === "undefined") {
    show();
    return;
  }
  const observers = [];
  const watch = (rootMargin) => {
    const observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((entry) => entry.isIntersecting) || !observers.length) return;
        for (const each of observers.splice(0)) each.disconnect();
        show();
      },
      { rootMargin },
    );
    observer.observe(node);
    observers.push(observer);
  };
  watch("0px");
  addEventListener("scroll", () => observers.length && watch(DRAW_AHEAD), {
    once: true,
    passive: true,
  });
}

/** Sets `value` at a Plotly.relayout path ("xaxis2.domain", "annotations[3].y") in `target`. */
function setPath(target, path, value) {
  const keys = path.split(/\.|\[(\d+)\]/).filter((key) => key !== undefined && key !== "");
  let node = target;
  keys.slice(0, -1).forEach((key, i) => {
    const next = /^\d+$/.test(keys[i + 1]) ? [] : {};
    if (!isObject(node[key]) && !Array.isArray(node[key])) node[key] = next;
    node = node[key];
  });
  node[keys.at(-1)] = value;
}

/** The frames an animated figure plays, named and labelled: a replay says so in
 * layout.meta.frames; a demo's own animation in its plotly.js slider, whose steps are read. */
function framesOf(figure) {
  if (!Array.isArray(figure.frames) || !figure.frames.length) return null;
  const meta = figure.layout?.meta?.frames;
  if (isObject(meta) && Array.isArray(meta.names)) {
    const labels = Array.isArray(meta.labels) ? meta.labels : meta.names;
    return { names: meta.names, labels, label: String(meta.label ?? t("frame")) };
  }
  const steps = figure.layout?.sliders?.[0]?.steps;
  if (!Array.isArray(steps)) return null;
  const names = steps.map((step) => step?.args?.[0]?.[0]).filter((name) => name !== null && name !== undefined);
  if (names.length !== steps.length) return null;
  const prefix = String(figure.layout.sliders[0].currentvalue?.prefix ?? t("frame"));
  return { names, labels: steps.map((step) => String(step.label)), label: prefix.replace(/[:\s]+$/, "") };
}

/** The layout to draw `figure` with here: the phone's on a narrow screen, and without
 * plotly.js's animation controls, which a FramePlayer replaces. */
function layoutFor(chart, figure) {
  const layout = structuredClone(isObject(figure.layout) ? figure.layout : {});
  const phone = layout.meta?.phone;
  if (PHONE.matches && isObject(phone)) {
    for (const [path, value] of Object.entries(phone)) setPath(layout, path, value);
  }
  if (layout.title) {
    // The title is written in HTML above the chart (chartTitle), where it wraps on a phone
    // instead of being cut off, and a screen reader finds it.
    delete layout.title;
    layout.margin = { ...layout.margin, t: Math.min(layout.margin?.t ?? 100, 48) };
  }
  if (chart.closest(".presenting")) {
    // The presenter's chart fills the screen's height (the page's CSS), whatever its figure says.
    delete layout.height;
    layout.autosize = true;
  }
  if (framesOf(figure) && (layout.sliders || layout.updatemenus)) {
    // As demos/sims/plotting.py's without_controls: the room kept for them goes too.
    delete layout.sliders;
    delete layout.updatemenus;
    const room = Number(layout.meta?.controls_height) || 0;
    if (room && layout.height) layout.height -= room;
    if (room && layout.margin?.b) layout.margin = { ...layout.margin, b: Math.max(0, layout.margin.b - room) };
  }
  return layout;
}

/** Plotly's text markup as DOM: <sub>, <sup> and <br> kept, any other tag dropped. */
function richText(text) {
  const nodes = [];
  let open = null; // the <sub> or <sup> being filled
  for (const part of String(text).split(/(<\/?(?:sub|sup|br)\s*\/?>)/i)) {
    const tag = part.match(/^<(\/?)(sub|sup|br)/i);
    if (tag && tag[2].toLowerCase() === "br") nodes.push(make("br"));
    else if (tag && !tag[1]) nodes.push((open = make(tag[2].toLowerCase())));
    else if (tag) open = null;
    else if (part) {
      const plain = part.replace(/<[^>]*>/g, "");
      if (open) open.append(plain);
      else nodes.push(document.createTextNode(plain));
    }
  }
  return nodes;
}

/** The figure's title, in a paragraph just above the chart. */
function chartTitle(chart, figure) {
  const title = figure.layout?.title;
  const text = typeof title === "string" ? title : title?.text;
  let line = chart.previousElementSibling;
  if (!line?.classList.contains("chart-title")) {
    if (!text) return;
    line = make("p", { class: "chart-title" });
    chart.before(line);
  }
  line.replaceChildren(...richText(text ?? ""));
  line.hidden = !text;
}

const drawnFigures = new WeakMap(); // chart -> the figure drawn in it, to redraw and tabulate

async function draw(chart, figure) {
  chart.dataset.drawn = "true";
  await loadPlotly();
  chart.querySelector(".demo-placeholder")?.remove();
  chart.hidden = false;
  drawnFigures.set(chart, figure);
  chartTitle(chart, figure);
  await Plotly.react(chart, {
    data: figure.data,
    layout: layoutFor(chart, figure),
    frames: Array.isArray(figure.frames) ? figure.frames : [],
    config: plotConfig,
  });
  chart.dispatchEvent(new CustomEvent("demo:drawn", { detail: figure, bubbles: true }));
}

// Turning a phone, or resizing a window across the width, redraws the charts in the other layout.
PHONE.addEventListener?.("change", () => {
  for (const chart of document.querySelectorAll('[data-drawn="true"]')) {
    const figure = drawnFigures.get(chart);
    if (figure) draw(chart, figure);
  }
});

/**
 * Play, pause and a range input over an animated chart's frames: HTML controls that a keyboard
 * reaches and a screen reader names (plotly.js draws its own in SVG, which neither can use).
 */
class FramePlayer {
  constructor(chart, frames, onReady) {
    this.chart = chart;
    this.frames = frames;
    this.index = frames.names.length - 1; // a chart shows its last frame until played
    this.playing = false;
    const id = `frames-${++uid}`;
    this.box = make("div", {
      class: "frame-player",
      role: "group",
      "aria-label": t("animation", { label: frames.label }),
    });
    const play = { type: "button", class: "frame-play", "aria-controls": id };
    this.button = make("button", play, t("play"));
    this.range = make("input", {
      id,
      type: "range",
      min: 0,
      max: frames.names.length - 1,
      step: 1,
      value: this.index,
      "aria-label": frames.label,
    });
    this.output = make("output", { for: id, "aria-hidden": "true" });
    this.box.append(this.button, this.range, this.output);
    this.#show(this.index);
    this.button.addEventListener("click", () => (this.playing ? this.pause() : this.play()));
    this.range.addEventListener("input", () => {
      this.pause();
      this.#go(Number(this.range.value));
    });
    chart.on?.("plotly_animatingframe", (event) => {
      const index = this.frames.names.indexOf(event.name);
      if (index >= 0) this.#show(index);
    });
    // The end of the frames played (plotly.js's promise may settle before the last frame).
    chart.on?.("plotly_animated", () => this.#stopped());
    onReady?.(this);
  }

  #show(index) {
    this.index = index;
    this.range.value = index;
    const label = this.frames.labels[index] ?? "";
    const value = t("frameValue", { label: this.frames.label, value: label });
    this.range.setAttribute("aria-valuetext", value);
    this.output.textContent = value;
  }

  #go(index) {
    this.#show(index);
    return Plotly.animate(this.chart, [this.frames.names[index]], {
      frame: { duration: 0, redraw: true },
      transition: { duration: 0 },
      mode: "immediate",
    });
  }

  async play() {
    const last = this.frames.names.length - 1;
    const from = this.index >= last ? 0 : this.index; // at the end, play from the start
    this.playing = true;
    this.button.textContent = t("pause");
    this.chart.dataset.playing = "true";
    await Plotly.animate(this.chart, this.frames.names.slice(from), {
      frame: { duration: FRAME_MS, redraw: true },
      transition: { duration: 0 },
      mode: "immediate",
    });
  }

  pause() {
    if (!this.playing) return;
    Plotly.animate(this.chart, [null], { frame: { duration: 0 }, mode: "immediate" });
    this.#stopped();
  }

  #stopped() {
    if (!this.playing) return;
    this.playing = false;
    this.button.textContent = t("play");
    delete this.chart.dataset.playing;
  }
}

/** Gives an animated chart its FramePlayer, after the chart (one per chart, the latest). */
function addFramePlayer(chart, figure) {
  chart.nextElementSibling?.classList.contains("frame-player") && chart.nextElementSibling.remove();
  const frames = framesOf(figure);
  if (!frames) return null;
  const player = new FramePlayer(chart, frames);
  chart.after(player.box);
  return player;
}

/** A figure's lines as a table a screen reader can browse: each line's points, x and y ranges,
 * first and last values (every point is in the CSV). */
function dataTable(figure) {
  const table = make("table", { class: "data-table" });
  table.append(make("caption", { class: "visually-hidden" }, t("tableCaption")));
  const head = make("tr");
  for (const title of ["tableLine", "tablePoints", "tableX", "tableY", "tableRange"]) {
    head.append(make("th", { scope: "col" }, t(title)));
  }
  const thead = make("thead");
  const body = make("tbody");
  thead.append(head);
  table.append(thead, body);
  const number = (value) =>
    typeof value === "number" && Number.isFinite(value) ? String(Number(value.toPrecision(4))) : "–";
  figure.data.forEach((trace, i) => {
    if (!isObject(trace) || !Array.isArray(trace.y) || !trace.y.length) return;
    const ys = trace.y.filter((y) => typeof y === "number" && Number.isFinite(y));
    const xs = Array.isArray(trace.x) ? trace.x : [];
    const row = make("tr");
    const name = trace.name || t("lineNumber", { number: i + 1 });
    row.append(make("th", { scope: "row" }, String(name).replace(/<[^>]*>/g, "")));
    row.append(make("td", {}, String(trace.y.length)));
    row.append(make("td", {}, xs.length ? `${number(xs[0])} … ${number(xs.at(-1))}` : "–"));
    row.append(make("td", {}, `${number(trace.y[0])} → ${number(trace.y.at(-1))}`));
    row.append(make("td", {}, ys.length ? `${number(Math.min(...ys))} … ${number(Math.max(...ys))}` : "–"));
    body.append(row);
  });
  return table;
}

// --- the API: every answer checked before use -----------------------------------------------

/** A request to the API that gave no usable answer. */
class ApiError extends Error {
  constructor(message, { status = 0, detail = null, retryAfterMs = null } = {}) {
    super(message);
    this.status = status; // 0: no answer at all (the network or the server is down)
    this.detail = detail;
    this.retryAfterMs = retryAfterMs;
  }

  /** A refusal that asking again will not change (4xx, except "too many" and "timeout"). */
  get final() {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

async function readBody(response) {
  const type = response.headers.get("Content-Type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) return null; // e.g. a proxy's HTML page
  try {
    const body = await response.json();
    return isObject(body) ? body : null;
  } catch {
    return null;
  }
}

/** Retry-After in milliseconds (seconds or an HTTP date), or null. */
function retryAfterMs(response) {
  const value = response.headers.get("Retry-After");
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

/** The JSON object a 2xx answer carries; anything else throws an ApiError saying what happened. */
async function callApi(url, init = {}) {
  let response;
  try {
    response = await fetch(url, {
      credentials: "same-origin",
      ...init,
      headers: { Accept: "application/json", ...LANGUAGE_HEADERS, ...init.headers },
    });
  } catch {
    throw new ApiError(t("unreachable"));
  }
  const body = await readBody(response);
  if (!response.ok) {
    const detail = body?.detail ?? null;
    const message =
      typeof detail === "string" && detail
        ? detail
        : t("serverAnswered", { status: response.status });
    throw new ApiError(message, {
      status: response.status,
      detail,
      retryAfterMs: retryAfterMs(response),
    });
  }
  if (body === null) {
    throw new ApiError(t("unreadable"), { status: response.status });
  }
  return body;
}

/** Runs have random public ids: letters, digits, "-" and "_". */
function isRunId(value) {
  return typeof value === "string" && /^[\w-]{1,64}$/.test(value);
}

/** A new run's POST answer, or null when it lacks what following the run needs. */
function checkCreated(body) {
  if (!isRunId(body.id) || !RUN_STATUSES.has(body.status)) return null;
  if (typeof body.url !== "string" || !body.url) return null;
  return { id: body.id, status: body.status, url: body.url };
}

/** A run's state from `GET url`, or null when it is not one. */
function checkRun(body) {
  if (!isRunId(body.id) || !RUN_STATUSES.has(body.status)) return null;
  const progress = Number.isFinite(body.progress) ? Math.min(1, Math.max(0, body.progress)) : 0;
  return {
    id: body.id,
    demo: typeof body.demo === "string" ? body.demo : "",
    status: body.status,
    progress,
    figure: isFigure(body.figure) ? body.figure : null,
    error: typeof body.error === "string" ? body.error : "",
    notice: typeof body.notice === "string" ? body.notice : "",
    seconds: Number.isFinite(body.seconds) ? body.seconds : null,
    permalink: typeof body.permalink === "string" ? body.permalink : "",
    url: typeof body.url === "string" ? body.url : "",
  };
}

// --- controls made from the JSON Schema ----------------------------------------------------

function bounds(spec) {
  return {
    min: spec.minimum ?? spec.exclusiveMinimum,
    max: spec.maximum ?? spec.exclusiveMaximum,
  };
}

function buildField(name, spec, value) {
  const id = `demo-field-${++uid}`;
  const field = make("div", { class: "demo-field", "data-name": name });
  let title = spec.title || name;
  // "Steps (steps)" says nothing twice: add the unit only when the title lacks it.
  if (spec.unit && !title.toLowerCase().includes(spec.unit)) {
    title = t("fieldTitle", { title, unit: spec.unit });
  }
  field.append(make("label", { for: id }, title));
  let input;
  if (Array.isArray(spec.enum)) {
    input = make("select", { id, name });
    for (const option of spec.enum) {
      const choice = make("option", { value: option }, option);
      choice.selected = option === value;
      input.append(choice);
    }
    field.append(input);
  } else if (spec.type === "array") {
    input = make("input", { id, name, type: "text", inputmode: "decimal", "data-kind": "array" });
    input.value = (Array.isArray(value) ? value : []).join(", ");
    field.append(input);
  } else {
    const range = bounds(spec);
    const integer = spec.type === "integer";
    // A count that must be even (k clusters, half of each label) moves in twos.
    const multiple = spec.multipleOf ?? (integer ? 1 : null);
    input = make("input", {
      id,
      name,
      type: "number",
      min: range.min,
      max: range.max,
      step: multiple ?? "any",
      "data-kind": integer ? "integer" : "number",
    });
    input.value = value ?? "";
    nudgeOnArrows(input, { range, integer, multiple });
    const span = range.max - range.min;
    // A slider helps for bounded, not astronomically wide ranges (not for seeds).
    if (Number.isFinite(span) && !(integer && span > 1e6)) {
      const exclusiveMin = spec.minimum === undefined;
      field.append(sliderRow(input, { title, range, integer, multiple, exclusiveMin }));
    } else {
      field.append(input);
    }
  }
  if (spec.description) {
    input.setAttribute("aria-describedby", `${id}-help`);
    field.append(make("small", { id: `${id}-help`, class: "muted" }, spec.description));
  }
  field.append(make("span", { class: "demo-field-error", role: "alert", hidden: "" }));
  return field;
}

/** The low end of a log-scale slider over `range`, or null where a linear one fits: the range
 * spans decades above zero (a step size in (0, 10], a batch from 1 to 1,000). Zero itself, where
 * allowed, needs a linear slider. */
function logLow(range, exclusiveMin) {
  const low = range.min > 0 ? range.min : exclusiveMin && range.min === 0 ? range.max / 1000 : null;
  return low !== null && range.max / low >= 100 ? low : null;
}

/** Three significant digits, without trailing zeros (0.15, not 0.150; 100, not 1e+2). */
const tidy = (value, integer) => (integer ? Math.round(value) : Number(Number(value).toPrecision(3)));

function sliderRow(input, { title, range, integer, multiple, exclusiveMin }) {
  const span = range.max - range.min;
  // Where a parameter spans decades (a step size from 0.001 to 10, a batch from 1 to 1,000) the
  // slider moves through them evenly: its value is the logarithm; the box holds the number.
  const low = logLow(range, exclusiveMin);
  const logScale = low !== null;
  const toSlider = (value) => (logScale ? Math.log10(Math.max(low, value)) : value);
  const fromSlider = (value) => tidy(logScale ? 10 ** value : value, integer);
  let step = multiple ? multiple * Math.max(1, Math.round(span / 200 / multiple)) : span / 200;
  if (logScale) step = (Math.log10(range.max) - Math.log10(low)) / 200;
  const slider = make("input", {
    type: "range",
    min: logScale ? Math.log10(low) : exclusiveMin ? range.min + step : range.min,
    max: toSlider(range.max),
    step,
    "aria-label": t("slider", { title }),
  });
  // A screen reader says the parameter's value, not the slider's logarithm.
  const say = () => slider.setAttribute("aria-valuetext", input.value);
  const follow = () => {
    const value = Number(input.value);
    if (input.value.trim() !== "" && Number.isFinite(value)) slider.value = toSlider(value);
    say();
  };
  follow();
  slider.addEventListener("input", () => {
    input.value = String(fromSlider(Number(slider.value)));
    say();
  });
  slider.addEventListener("change", () => {
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  input.addEventListener("input", follow);
  const row = make("div", { class: "demo-slider-row" });
  row.append(slider, input);
  return row;
}

/** ArrowUp/ArrowDown in a number box change its value's second significant digit (0.18 → 0.19,
 * 2,000 → 2,100), within the bounds, where the browser would add 1 (0.18 → 1.18). */
function nudgeOnArrows(input, { range, integer, multiple }) {
  input.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    const value = Number(input.value);
    if (input.value.trim() === "" || !Number.isFinite(value)) return;
    event.preventDefault();
    const direction = event.key === "ArrowUp" ? 1 : -1;
    const digit = 10 ** (Math.floor(Math.log10(Math.abs(value) || 1)) - 1);
    const step = multiple ? multiple * Math.max(1, Math.round(digit / multiple)) : digit;
    let next = tidy(value + direction * step, integer);
    if (Number.isFinite(range.max)) next = Math.min(range.max, next);
    if (Number.isFinite(range.min)) next = Math.max(range.min, next);
    input.value = String(next);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
}

function readValue(input) {
  const text = input.value.trim();
  switch (input.dataset.kind) {
    case "integer":
    case "number": {
      // What cannot be read as a number is sent as typed, so the server names the field.
      const number = Number(text);
      return text === "" || !Number.isFinite(number) ? text : number;
    }
    case "array":
      return text
        .split(/[,\s]+/)
        .filter(Boolean)
        .map((part) => (Number.isFinite(Number(part)) ? Number(part) : part));
    default:
      return text;
  }
}

// --- one demo on a page ---------------------------------------------------------------------

/**
 * <demo-widget> around a <figure class="demo">, whose data attributes say where to ask for runs
 * (data-runs-url), which run is shown (data-run, data-run-url, data-status) and whether this is
 * the presenter's view (data-live="true": runs are recorded at the talk).
 */
class DemoWidget extends HTMLElement {
  #root = null; // the <figure class="demo"> inside
  #ticket = 0; // each run asked for takes a new ticket; work done for an older one stops
  #debounce = null;
  #holdUntil = 0; // the server asked us to wait (429/503) until then before asking again
  #built = false;
  #parts = null;
  #settings = DEFAULTS;
  #initialRun = null; // the run the page came with (the talk's default), to compare others with

  connectedCallback() {
    this.#root = this.querySelector("figure.demo");
    if (!this.#root) return;
    this.#parts = {
      chart: this.#root.querySelector(".demo-chart"),
      progress: this.#root.querySelector(".demo-progress"),
      message: this.#root.querySelector(".demo-message"),
      announce: this.#root.querySelector(".demo-announce"),
      permalink: this.#root.querySelector(".demo-permalink"),
      controlsBox: this.#root.querySelector(".demo-controls-box"),
      form: this.#root.querySelector(".demo-controls"),
      formError: this.#root.querySelector(".demo-form-error"),
      runButton: this.#root.querySelector('.demo-controls [type="submit"]'),
      summary: this.#root.querySelector(".demo-summary"),
      data: this.#root.querySelector(".demo-data"),
      csv: this.#root.querySelector(".demo-csv"),
    };
    this.#settings = settingsFrom(this.#root.dataset);
    if (!this.#built) {
      this.#built = true;
      const figure = readJSON(this.#root, "figure");
      const { chart, data } = this.#parts;
      this.#initialRun = this.#root.dataset.run ?? null;
      chart.addEventListener("demo:drawn", (event) => this.#drawn(event.detail));
      data?.addEventListener("toggle", () => this.#tabulate());
      // Unless a run of the visitor's has drawn there first.
      if (isFigure(figure)) {
        whenNear(chart, () => chart.dataset.drawn || this.#guard(draw(chart, figure)));
      }
      const box = this.#parts.controlsBox;
      if (box instanceof HTMLDetailsElement && !box.open) {
        // Built when first opened: six demos' controls are hundreds of elements that most
        // visitors never open, and the page's work on load.
        box.addEventListener("toggle", () => this.#buildControls(), { once: true });
      } else {
        this.#buildControls();
      }
    }
    const { run, runUrl, status, live } = this.#root.dataset;
    if (run && status !== "done" && status !== "failed") {
      if (runUrl) this.#guard(this.#follow(runUrl, ++this.#ticket));
      else this.#finish(t("noRunUrl"));
    } else if (!run && live !== "true") {
      // The default run was never computed (published before a worker ran): ask for it now.
      this.#guard(this.#request());
    }
  }

  disconnectedCallback() {
    this.#ticket += 1; // a widget taken off the page stops following its run
    clearTimeout(this.#debounce);
  }

  /** Shows the visitor a clear message if a step fails unexpectedly, and still logs the error. */
  #guard(promise) {
    promise.catch((error) => {
      if (error instanceof PlotlyMissing) {
        this.#finish(t("noPlotly"));
        return;
      }
      this.#finish(t("broken"));
      throw error;
    });
  }

  /** After each drawing: the sentence that says what the chart shows, the animation's
   * controls, and the data table when it is open. */
  #drawn(figure) {
    const summary = figure.layout?.meta?.summary;
    if (this.#parts.summary) this.#parts.summary.textContent = typeof summary === "string" ? summary : "";
    addFramePlayer(this.#parts.chart, figure);
    this.#tabulate();
  }

  #tabulate() {
    const { data, chart } = this.#parts;
    const figure = drawnFigures.get(chart);
    if (!data?.open || !figure) return;
    data.querySelector(".demo-data-table")?.replaceChildren(dataTable(figure));
  }

  /** The line under the chart: which run it shows and how long that run took. */
  #describe(run, note) {
    const line = this.#parts.permalink;
    const link = line?.querySelector("a");
    if (!link || !run.permalink) return;
    link.href = run.permalink;
    link.textContent = t("runLink", { id: run.id });
    while (link.nextSibling) link.nextSibling.remove();
    if (note) link.after(note);
    line.hidden = false;
  }

  #buildControls() {
    const { form } = this.#parts;
    const schema = readJSON(this.#root, "schema");
    if (!form || !isObject(schema?.properties)) return;
    const params = readJSON(this.#root, "params") ?? {};
    const fields = form.querySelector(".demo-fields");
    for (const [name, spec] of Object.entries(schema.properties)) {
      if (isObject(spec)) fields.append(buildField(name, spec, params[name]));
    }
    form.addEventListener("change", () => {
      clearTimeout(this.#debounce);
      this.#debounce = setTimeout(() => this.#guard(this.#request()), this.#settings.debounceMs);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(this.#debounce);
      this.#guard(this.#request());
    });
  }

  #currentParams() {
    const params = readJSON(this.#root, "params") ?? {};
    for (const input of this.#parts.form?.querySelectorAll("[name]") ?? []) {
      params[input.name] = readValue(input);
    }
    return params;
  }

  #say(text, busy = false) {
    if (this.#parts.message) this.#parts.message.textContent = text;
    this.#root.classList.toggle("is-busy", busy);
  }

  /** Tells screen readers `text` (a live region): only the moments that matter. */
  #announce(text) {
    const region = this.#parts.announce;
    if (region && text && region.textContent !== text) region.textContent = text;
  }

  /** Stops showing progress and leaves `text` for the visitor. */
  #finish(text) {
    if (this.#parts.progress) this.#parts.progress.hidden = true;
    this.#say(text);
    this.#announce(text);
  }

  /** What the chart's place says while no chart is drawn in it (the server's text at first). */
  #placeholder(text) {
    const placeholder = this.#parts.chart?.querySelector(".demo-placeholder");
    if (placeholder) placeholder.textContent = text;
  }

  /** Opens the controls, so that the Run button is at hand to try again. */
  #offerRetry(text) {
    this.#finish(t("pressRun", { message: text }));
    if (this.#parts.controlsBox) this.#parts.controlsBox.open = true;
  }

  #showErrors(detail) {
    const { form, formError } = this.#parts;
    if (!form) return;
    for (const node of form.querySelectorAll(".demo-field-error")) {
      node.hidden = true;
      node.textContent = "";
    }
    formError.hidden = true;
    for (const input of form.querySelectorAll("[aria-invalid]")) {
      input.removeAttribute("aria-invalid");
    }
    const items = Array.isArray(detail) ? detail.filter((item) => isObject(item)) : [];
    let first = null; // the first field named: focused, so the visitor is taken to it
    for (const item of items) {
      const field = typeof item.field === "string" ? item.field : "";
      const message = typeof item.message === "string" ? item.message : t("notValid");
      const name = CSS.escape(field.split(".")[0]);
      const box = form.querySelector(`.demo-field[data-name="${name}"]`);
      const slot = box?.querySelector(".demo-field-error");
      if (slot) {
        slot.textContent = message;
        slot.hidden = false;
        for (const input of box.querySelectorAll("input, select")) {
          input.setAttribute("aria-invalid", "true");
        }
        first ??= box.querySelector("input:not([type=range]), select");
      } else {
        formError.textContent = field ? t("fieldError", { field, message }) : message;
        formError.hidden = false;
      }
    }
    if (items.length && this.#parts.controlsBox) this.#parts.controlsBox.open = true;
    first?.focus();
  }

  #csrfHeaders() {
    // The presenter's runs go through the editor's session, which Django checks for CSRF.
    if (this.#root.dataset.live !== "true") return {};
    const token = document.querySelector("input[name=csrfmiddlewaretoken]")?.value;
    return token ? { "X-CSRFToken": token } : {};
  }

  async #request() {
    clearTimeout(this.#debounce);
    const wait = this.#holdUntil - Date.now();
    if (wait > 0) {
      this.#say(t("pleaseWait", { duration: duration(wait) }));
      return;
    }
    const ticket = ++this.#ticket;
    const url = this.#root.dataset.runsUrl;
    if (!url) {
      this.#finish(t("noRunsUrl"));
      return;
    }
    this.#showErrors([]);
    this.#say(t("asking"), true);
    let created;
    try {
      const body = await callApi(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...this.#csrfHeaders() },
        body: JSON.stringify(this.#currentParams()),
      });
      created = checkCreated(body);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (ticket === this.#ticket) this.#refused(error);
      return;
    }
    if (ticket !== this.#ticket) return;
    if (!created) {
      this.#offerRetry(t("unreadable"));
      return;
    }
    const { run: shown, status } = this.#root.dataset;
    if (shown && status === "done" && shown !== created.id) {
      // Until the new run draws, the chart is the previous one: say so, not "this chart".
      const link = this.#parts.permalink?.querySelector("a");
      this.#describe(
        { id: shown, permalink: link?.getAttribute("href") ?? "" },
        t("previousRun", { id: created.id }),
      );
    }
    if (this.#parts.data) this.#parts.data.hidden = true; // its CSV is the previous run's
    this.#remember(created);
    await this.#follow(created.url, ticket);
  }

  /** Says why a run could not start: bad parameters, too many runs for now, or another refusal. */
  #refused(error) {
    if ((error.status === 400 || error.status === 422) && Array.isArray(error.detail)) {
      this.#showErrors(error.detail);
      this.#finish(t("checkParameters"));
    } else if ((error.status === 429 || error.status === 503) && error.retryAfterMs !== null) {
      this.#holdOff(error.message, error.retryAfterMs);
    } else if (error.final) {
      this.#finish(error.message);
    } else {
      this.#offerRetry(error.message);
    }
  }

  /** The server is busy: the Run button waits as long as it asked (Retry-After). */
  #holdOff(detail, ms) {
    const button = this.#parts.runButton;
    this.#holdUntil = Date.now() + ms;
    this.#finish(t("tryAgainIn", { message: detail, duration: duration(ms) }));
    if (button) button.disabled = true;
    setTimeout(() => {
      if (Date.now() < this.#holdUntil) return; // a later refusal holds it longer
      if (button) button.disabled = false;
      this.#say(t("runAgainNow"));
    }, ms);
  }

  #remember(run) {
    this.#root.dataset.run = run.id;
    this.#root.dataset.status = run.status;
    if (run.url) this.#root.dataset.runUrl = run.url;
  }

  /** Polls `url` until the run is done or failed, drawing its partial figure on the way. */
  async #follow(url, ticket) {
    const { pollMs, firstPollMs, retryMs, retryMaxMs, giveUpAfter, queuedLimitMs } =
      this.#settings;
    let wait = Math.min(firstPollMs, pollMs);
    const { chart, progress } = this.#parts;
    let failures = 0;
    let queuedSince = null;
    let quarterAnnounced = -1;
    progress.hidden = false;
    this.#placeholder(t("computing"));
    while (ticket === this.#ticket) {
      let run;
      try {
        run = checkRun(await callApi(url));
        // An answer that is not a run counts as a failed look, as a 5xx does.
        if (!run) throw new ApiError("The answer is not a run.", { status: 200 });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (ticket !== this.#ticket) return;
        if (error.status === 404) {
          this.#placeholder(t("noChart"));
          this.#finish(t("runGone"));
          return;
        }
        if (error.final) {
          this.#placeholder(t("noChart"));
          this.#finish(t("cannotShow", { message: error.message }));
          return;
        }
        failures += 1;
        const trouble = error.status ? t("serverTrouble") : t("lostContact");
        if (failures >= giveUpAfter) {
          this.#placeholder(t("noChartYet"));
          this.#offerRetry(t("gaveUp", { trouble, count: failures }));
          return;
        }
        this.#say(t("retrying", { trouble, count: failures, limit: giveUpAfter }), true);
        await sleep(Math.min(retryMaxMs, retryMs * 2 ** (failures - 1)));
        continue;
      }
      if (ticket !== this.#ticket) return;
      failures = 0;
      this.#remember(run);
      progress.value = run.progress;
      if (run.figure) await draw(chart, run.figure);
      if (ticket !== this.#ticket) return;
      if (run.status === "done") {
        this.#done(run);
        return;
      }
      if (run.status === "failed") {
        this.#placeholder(t("noChart"));
        this.#finish(run.error ? t("runFailedBecause", { error: run.error }) : t("runFailed"));
        return;
      }
      if (run.status === "queued") {
        queuedSince ??= performance.now();
        if (performance.now() - queuedSince >= queuedLimitMs) {
          this.#placeholder(t("noChartYet"));
          this.#offerRetry(t("noWorker", { duration: duration(queuedLimitMs) }));
          return;
        }
        this.#say(run.notice || t("waiting"), true);
        this.#announce(run.notice || t("waiting"));
      } else {
        queuedSince = null;
        this.#say(t("progress", { percent: Math.round(100 * run.progress) }), true);
        const quarter = Math.min(3, Math.floor(4 * run.progress));
        if (quarter > quarterAnnounced) {
          quarterAnnounced = quarter;
          this.#announce(quarter ? t("progress", { percent: 25 * quarter }) : t("computingChart"));
        }
      }
      await sleep(wait);
      wait = Math.min(pollMs, wait * 1.5);
    }
  }

  #done(run) {
    this.#finish("");
    const seconds = run.seconds === null ? "" : t("computedIn", { seconds: run.seconds.toFixed(2) });
    this.#describe(run, seconds && ` · ${seconds}`);
    const compare = this.#root.dataset.compareUrl;
    if (compare && this.#initialRun && this.#initialRun !== run.id) {
      const runs = encodeURIComponent(`${this.#initialRun},${run.id}`);
      const text = t("compareWith", { id: this.#initialRun });
      const link = make("a", { href: `${compare}?runs=${runs}` }, text);
      this.#parts.permalink?.append(" · ", link);
    }
    const { data, csv } = this.#parts;
    if (data && csv && run.permalink) {
      csv.href = `${run.permalink}data.csv`;
      data.hidden = false;
    }
    const summary = this.#parts.summary?.textContent || t("chartShowsIt");
    this.#announce(
      run.seconds === null
        ? t("finished", { id: run.id, summary })
        : t("finishedIn", { id: run.id, seconds: run.seconds.toFixed(1), summary }),
    );
    this.#root.dispatchEvent(new CustomEvent("demo:done", { detail: run, bubbles: true }));
  }
}

// --- replays of runs recorded at a talk ----------------------------------------------------

/** Draws a chart that only shows a figure: a replay (played by its FramePlayer) or a
 * comparison of runs. */
async function showFigure(node, name) {
  const figure = readJSON(node, name);
  if (!isFigure(figure)) return;
  try {
    await loadPlotly();
  } catch (error) {
    if (!(error instanceof PlotlyMissing)) throw error;
    node.textContent = t("noPlotly");
    return;
  }
  await draw(node, figure);
  if (framesOf(figure)) {
    // Keep the final figure's axes while frames show the early, smaller picture. After
    // drawing, plotly.js has written the ranges it chose into the graph's public `layout`.
    const fixed = {};
    for (const [key, axis] of Object.entries(node.layout)) {
      if (/^[xy]axis\d*$/.test(key) && Array.isArray(axis?.range)) {
        fixed[`${key}.range`] = [...axis.range];
        fixed[`${key}.autorange`] = false;
      }
    }
    await Plotly.relayout(node, fixed);
    addFramePlayer(node, figure);
  }
  node.dataset.ready = "true";
}

// In the presenter view, each finished run joins the list of runs recorded at the talk.
function listRecorded(event) {
  const list = document.getElementById("recorded-list");
  const run = event.detail;
  if (!list || event.target.dataset.live !== "true") return;
  if (list.querySelector(`[data-run="${run.id}"]`)) return;
  list.querySelector(".muted:only-child")?.remove(); // "No runs yet."
  const title = event.target.querySelector(".demo-title")?.textContent.trim() || run.demo;
  const item = make("li", { "data-run": run.id });
  item.append(make("a", { href: run.permalink }, t("recordedRun", { title, id: run.id })));
  list.append(item);
}

/**
 * On a run's page, a fork is a new run: the address, heading, facts and links change to the new
 * run's (read from its own page), so that what the page says matches the chart it shows.
 */
async function followFork(event) {
  const run = event.detail;
  const parts = document.querySelectorAll("[data-run-part]");
  if (!parts.length || !run.permalink || run.permalink === window.location.pathname) return;
  let page;
  try {
    const response = await fetch(run.permalink, { credentials: "same-origin" });
    if (!response.ok) return; // the chart and the line under it already name the new run
    page = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch {
    return;
  }
  for (const part of parts) {
    const fresh = page.querySelector(`[data-run-part="${CSS.escape(part.dataset.runPart)}"]`);
    if (fresh) part.replaceWith(document.importNode(fresh, true));
    else part.remove(); // e.g. the replay: a fork has none
  }
  document.title = page.title || document.title;
  window.history.pushState({ run: run.id }, "", run.permalink);
}

// Back and forward between a run and its forks: the page of the address shown.
window.addEventListener("popstate", () => {
  if (document.querySelector("[data-run-part]")) window.location.reload();
});

document.addEventListener("demo:done", listRecorded);
document.addEventListener("demo:done", (event) => followFork(event));
customElements.define("demo-widget", DemoWidget);
for (const node of document.querySelectorAll(".demo-replay")) {
  whenNear(node, () => showFigure(node, "replay"));
}
for (const node of document.querySelectorAll(".demo-static-chart")) {
  whenNear(node, () => showFigure(node, "figure"));
}

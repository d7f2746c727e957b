// rosenblatt playground: the page. Training happens on the server (rosenblatt's engine);
// this file draws what the JSON endpoints return and sends the controls' values.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  const RES = 60; // output heatmap resolution
  const NRES = 20; // per-neuron heatmap resolution
  const ORANGE = [245, 147, 34], BLUE = [8, 119, 189], MID = [232, 234, 235];
  const PALETTE = [ORANGE, BLUE, [44, 160, 44], [148, 103, 189], [214, 39, 40],
    [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]];
  const LRS = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const DROPOUTS = [0, 0.1, 0.2, 0.3, 0.5];
  const ACT_NAMES = { identity: "Linear", relu: "ReLU", leaky_relu: "Leaky ReLU", sigmoid: "Sigmoid",
    tanh: "Tanh", gelu: "GELU", softplus: "Softplus", elu: "ELU", selu: "SELU" };
  const OPT_NAMES = { sgd: "SGD", momentum: "SGD + momentum 0.9", rmsprop: "RMSprop", adam: "Adam",
    adagrad: "Adagrad" };
  const FEATURE_LABELS = { x1: "X\u2081", x2: "X\u2082", x1sq: "X\u2081\u00b2", x2sq: "X\u2082\u00b2",
    x1x2: "X\u2081X\u2082", sinx1: "sin(X\u2081)", sinx2: "sin(X\u2082)" };
  const HIDEABLE = {
    run: "play / step / reset", lr: "learning rate", activation: "activation",
    regularization: "regularization", reg_rate: "regularization rate", optimizer: "optimizer",
    init: "initialisation", dataset: "data sets", classes: "classes", train_ratio: "train/test ratio",
    noise: "noise", batch_size: "batch size", n_samples: "points", seed: "seed, regenerate",
    upload: "CSV upload", layers: "adding layers", neurons: "adding neurons", weights: "editing weights",
    features: "choosing features", dropout: "dropout", batch_norm: "batch norm", scaling: "scaling",
    show_test: "show test data", discretize: "discretize", downloads: "downloads", share: "this panel",
  };

  // ------------------------------------------------------------------ state
  const session = (() => {
    let s = sessionStorage.getItem("rb-playground-session");
    if (!s) {
      const bytes = new Uint8Array(12);
      crypto.getRandomValues(bytes);
      s = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      sessionStorage.setItem("rb-playground-session", s);
    }
    return s;
  })();
  let opts = null, state = null, heat = null;
  const ui = { showTest: false, discretize: false, hide: [] };
  let playing = false, epochsPerStep = 1;
  let linkEls = [], biasEls = [], nodeCanvases = { features: {}, hidden: [], outputs: [] };
  let structure = "";

  // ------------------------------------------------------------------ server
  let queue = Promise.resolve();
  function enqueue(fn) {
    const p = queue.then(fn);
    queue = p.catch(() => {});
    return p;
  }
  async function api(path, body) {
    const init = body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    };
    const r = await fetch(path, init);
    const data = await r.json().catch(() => ({ error: `${r.status} ${r.statusText}` }));
    if (!r.ok) {
      const e = new Error(data.error || r.statusText);
      e.info = data;
      throw e;
    }
    return data;
  }
  const q = (path, extra) => `${path}?session=${session}${extra || ""}`;

  function showError(e, prefix) {
    const msg = (prefix ? prefix + ": " : "") + (e.message || String(e));
    $("error-text").textContent = msg;
    $("error").hidden = false;
    document.querySelectorAll(".invalid").forEach((x) => x.classList.remove("invalid"));
    const field = e.info && e.info.field;
    if (field) document.querySelectorAll(`[data-field="${field}"]`).forEach((x) => x.classList.add("invalid"));
  }
  function clearError() {
    $("error").hidden = true;
    document.querySelectorAll(".invalid").forEach((x) => x.classList.remove("invalid"));
  }

  function change(patch) {
    return enqueue(async () => {
      try {
        setState(await api("/api/config", { session, config: patch }));
        clearError();
        await refreshHeat();
      } catch (e) {
        showError(e);
        renderControls();
      }
    });
  }
  async function refreshHeat() {
    heat = await api(q("/api/heatmap", `&resolution=${RES}&neurons=${NRES}`));
    drawHeat();
  }
  async function stepOnce(n) {
    const r = await api("/api/step", { session, epochs: n });
    state.epoch = r.epoch;
    state.network = r.network;
    state.altered = r.altered;
    state.loss.train.push(...r.loss.train);
    state.loss.test.push(...r.loss.test);
    state.train_loss = r.train_loss;
    state.test_loss = r.test_loss;
    renderProgress();
    updateLinks();
    await refreshHeat();
    if (r.stopped) {
      setPlaying(false);
      showError(new Error(r.stopped));
    }
  }
  async function loop() {
    while (playing) {
      const t0 = performance.now();
      try {
        await enqueue(() => (playing ? stepOnce(epochsPerStep) : null));
      } catch (e) {
        setPlaying(false);
        showError(e);
      }
      const dt = performance.now() - t0;
      if (dt < 60 && epochsPerStep < 20) epochsPerStep += 1;
      else if (dt > 200 && epochsPerStep > 1) epochsPerStep = Math.max(1, epochsPerStep >> 1);
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  function setPlaying(on) {
    playing = on;
    $("play").classList.toggle("playing", on);
    $("play-icon").setAttribute("d", on ? "M6 4h4v16H6zM14 4h4v16h-4z" : "M7 4l13 8-13 8z");
    $("play").setAttribute("aria-label", on ? "pause" : "play");
    if (on) loop();
  }

  // ------------------------------------------------------------------ URL
  function parseValue(key, text) {
    const d = opts.defaults[key];
    if (Array.isArray(d)) {
      const items = text === "" ? [] : text.split(",");
      return key === "layers" ? items.map((x) => (isNaN(Number(x)) ? x : Number(x))) : items;
    }
    if (typeof d === "boolean") return text === "1" || text === "true" ? true : text === "0" || text === "false" ? false : text;
    if (typeof d === "number") return text !== "" && !isNaN(Number(text)) ? Number(text) : text;
    return text;
  }
  function parseHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    const config = {};
    for (const [k, v] of params) {
      if (k === "showTest") ui.showTest = v === "1";
      else if (k === "discretize") ui.discretize = v === "1";
      else if (k === "hide") ui.hide = v ? v.split(",") : [];
      else config[k] = parseValue(k, v);
    }
    return config;
  }
  function updateHash() {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(state.config)) {
      params.set(k, Array.isArray(v) ? v.join(",") : typeof v === "boolean" ? (v ? "1" : "0") : String(v));
    }
    params.set("showTest", ui.showTest ? "1" : "0");
    params.set("discretize", ui.discretize ? "1" : "0");
    if (ui.hide.length) params.set("hide", ui.hide.join(","));
    history.replaceState(null, "", "#" + params.toString().replace(/%2C/g, ","));
    $("share-link").value = location.href;
  }
  function applyHide() {
    document.querySelectorAll("[data-control]").forEach((x) => {
      x.hidden = ui.hide.includes(x.dataset.control);
    });
    document.body.classList.toggle("no-weights", ui.hide.includes("weights"));
  }

  // ------------------------------------------------------------------ colours
  const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));
  const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));
  function diverging(t) {
    t = clamp(t, -1, 1);
    return mix(MID, t < 0 ? ORANGE : BLUE, Math.abs(t));
  }
  const rgb = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;
  function targetScale() {
    const r = state.target_range || [-1, 1];
    return Math.max(Math.abs(r[0]), Math.abs(r[1]), 1e-9);
  }
  function classColour(i) {
    const k = state.classes ? state.classes.length : 2;
    return k === 2 ? (i === 0 ? ORANGE : BLUE) : PALETTE[i % PALETTE.length];
  }
  // colour of the output at one pixel: value (binary/regression) or class probabilities;
  // at most HEAT of the full colour, so that the points (full colour) stand out
  const HEAT = 0.65;
  function outputColour(values) {
    if (state.task === "regression") {
      const t = clamp(values / targetScale(), -1, 1);
      return diverging(HEAT * (ui.discretize ? Math.sign(t) : t));
    }
    if (typeof values === "number") {
      const t = 2 * values - 1;
      return diverging(HEAT * (ui.discretize ? Math.sign(t) : t));
    }
    let best = 0;
    for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
    if (ui.discretize) return mix(MID, PALETTE[best % PALETTE.length], HEAT);
    // the class colours weighted by their probabilities: smooth across the boundaries
    const blend = [0, 0, 0];
    values.forEach((p, i) => PALETTE[i % PALETTE.length].forEach((v, j) => { blend[j] += p * v; }));
    const k = values.length;
    return mix(MID, blend, HEAT * clamp((values[best] - 1 / k) / (1 - 1 / k), 0, 1) ** 0.5);
  }
  function paint(canvas, n, colourAt) {
    canvas.width = n;
    canvas.height = n;
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(n, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const c = colourAt(i, j);
        const o = 4 * (i * n + j);
        img.data[o] = c[0]; img.data[o + 1] = c[1]; img.data[o + 2] = c[2]; img.data[o + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
  }

  // ------------------------------------------------------------------ controls
  function fillSelect(sel, values, label) {
    sel.innerHTML = "";
    for (const v of values) {
      const o = document.createElement("option");
      o.value = String(v);
      o.textContent = label ? label(v) : String(v);
      sel.appendChild(o);
    }
  }
  function setSelect(sel, value, label) {
    const v = String(value);
    if (![...sel.options].some((o) => o.value === v)) {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = label ? label(value) : v;
      sel.appendChild(o);
    }
    sel.value = v;
  }
  function buildControls() {
    fillSelect($("lr"), LRS);
    fillSelect($("reg_rate"), REG_RATES);
    fillSelect($("activation"), opts.activations, (a) => ACT_NAMES[a] || a);
    fillSelect($("optimizer"), opts.optimizers, (o) => OPT_NAMES[o] || o);
    fillSelect($("init"), opts.inits);
    fillSelect($("classes"), [2, 3, 4, 5, 6]);
    fillSelect($("dropout"), DROPOUTS);
    for (const [group, names] of Object.entries(opts.datasets)) {
      const box = $(`datasets-${group}`);
      for (const name of names) {
        const b = document.createElement("button");
        b.className = "dataset";
        b.dataset.dataset = name;
        b.title = `${name} (${group})`;
        const c = document.createElement("canvas");
        thumbnail(c, name);
        const label = document.createElement("span");
        label.className = "dataset-name";
        label.textContent = name === "multigaussian" ? "multi-gauss" : name;
        b.append(c, label);
        b.addEventListener("click", () => change({ dataset: name }));
        box.appendChild(b);
      }
    }
    const numeric = { lr: Number, reg_rate: Number, classes: Number, dropout: Number };
    for (const id of ["lr", "reg_rate", "regularization", "optimizer", "init", "classes", "dropout", "scaling"]) {
      $(id).addEventListener("change", () => change({ [id]: (numeric[id] || String)($(id).value) }));
    }
    $("activation").addEventListener("change", () => change({ activation: $("activation").value }));
    $("batch_norm").addEventListener("change", () => change({ batch_norm: $("batch_norm").checked }));
    for (const id of ["train_ratio", "noise", "batch_size", "n_samples"]) {
      $(id).addEventListener("input", () => { $(`${id}-value`).textContent = $(id).value; });
      $(id).addEventListener("change", () => change({ [id]: Number($(id).value) }));
    }
    $("seed").addEventListener("change", () => {
      const v = $("seed").value;
      change({ seed: v !== "" && Number.isInteger(Number(v)) ? Number(v) : v });
    });
    $("regenerate").addEventListener("click", () => change({ seed: Math.floor(Math.random() * 100000) }));
    $("add-layer").addEventListener("click", () => {
      const c = state.config;
      change({ layers: [...c.layers, 2], activation: [...c.activation, c.activation[c.activation.length - 1] || $("activation").value] });
    });
    $("remove-layer").addEventListener("click", () => {
      const c = state.config;
      if (c.layers.length) change({ layers: c.layers.slice(0, -1), activation: c.activation.slice(0, -1) });
    });
    $("play").addEventListener("click", () => setPlaying(!playing));
    $("step").addEventListener("click", () => {
      setPlaying(false);
      enqueue(() => stepOnce(1)).catch(showError);
    });
    $("reset").addEventListener("click", () => {
      setPlaying(false);
      enqueue(async () => {
        setState(await api("/api/reset", { session }));
        await refreshHeat();
      }).catch(showError);
    });
    $("show-test").addEventListener("change", () => { ui.showTest = $("show-test").checked; drawPoints(); updateHash(); });
    $("discretize").addEventListener("change", () => { ui.discretize = $("discretize").checked; drawHeat(); updateHash(); });
    $("error-close").addEventListener("click", clearError);
    $("upload").addEventListener("change", uploadFile);
    $("dl-model").href = q("/api/model");
    $("dl-recipe").href = q("/api/recipe");
    $("dl-data").href = q("/api/data");
    const list = $("hide-list");
    for (const [key, label] of Object.entries(HIDEABLE)) {
      const l = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.dataset.hide = key;
      box.addEventListener("change", () => {
        ui.hide = box.checked ? [...ui.hide, key] : ui.hide.filter((h) => h !== key);
        applyHide();
        updateHash();
      });
      l.append(box, " " + label);
      list.appendChild(l);
    }
    $("share-link").addEventListener("focus", () => $("share-link").select());
    $("editor-cancel").addEventListener("click", () => { $("editor").hidden = true; });
    $("editor-value").addEventListener("keydown", (e) => {
      if (e.key === "Enter") $("editor-ok").click();
      if (e.key === "Escape") $("editor").hidden = true;
    });
    $("network").addEventListener("click", onNetworkClick);
  }
  function renderControls() {
    const c = state.config;
    setSelect($("lr"), c.lr);
    setSelect($("reg_rate"), c.reg_rate);
    $("regularization").value = c.regularization;
    setSelect($("activation"), c.activation.length ? c.activation[0] : "tanh", (a) => ACT_NAMES[a] || a);
    $("optimizer").value = c.optimizer;
    $("init").value = c.init;
    setSelect($("classes"), c.classes);
    setSelect($("dropout"), c.dropout);
    $("batch_norm").checked = c.batch_norm;
    $("scaling").value = c.scaling;
    for (const id of ["train_ratio", "noise", "batch_size", "n_samples"]) {
      $(id).value = c[id];
      $(`${id}-value`).textContent = c[id];
    }
    $("seed").value = c.seed;
    document.querySelectorAll(".dataset").forEach((b) => b.classList.toggle("active", b.dataset.dataset === c.dataset));
    const generated = c.dataset !== "upload";
    for (const id of ["noise", "n_samples"]) $(id).disabled = !generated;
    $("classes").disabled = !generated || state.task === "regression";
    $("problem").textContent = state.task + (state.classes && state.classes.length > 2 ? ` (${state.classes.length} classes)` : "");
    $("upload-name").textContent = state.upload ? `uploaded: ${state.upload}` + (generated ? " (pick it again by uploading)" : " (in use)") : "";
    $("show-test").checked = ui.showTest;
    $("discretize").checked = ui.discretize;
    document.querySelectorAll("[data-hide]").forEach((b) => { b.checked = ui.hide.includes(b.dataset.hide); });
    $("layer-count").textContent = `${c.layers.length} hidden layer${c.layers.length === 1 ? "" : "s"}`;
    const lossName = { binary_cross_entropy: "sigmoid + binary cross-entropy", cross_entropy: "softmax + cross-entropy", mse: "linear output + squared error" }[state.loss_name] || state.loss_name;
    $("model-info").textContent = `${state.n_parameters} parameters; output: ${lossName}; ${state.points.train.length} training and ${state.points.test.length} test points`;
    $("axis-x").textContent = state.axes[0];
    $("axis-y").textContent = state.axes[1];
  }
  function setState(s) {
    state = s;
    renderControls();
    layoutNetwork();
    renderProgress();
    drawLegend();
    drawPoints();
    applyHide();
    updateHash();
  }
  function fmtLoss(v) { return v === null || v === undefined ? "\u2013" : v.toFixed(3); }
  function renderProgress() {
    const e = String(state.epoch).padStart(6, "0");
    $("epoch").textContent = e.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    $("test-loss").textContent = fmtLoss(state.test_loss);
    $("train-loss").textContent = fmtLoss(state.train_loss);
    const notes = $("notes");
    notes.innerHTML = "";
    for (const n of state.altered.slice(-4)) {
      const li = document.createElement("li");
      li.textContent = n + " (the recipe trains with the current settings from the start)";
      notes.appendChild(li);
    }
    drawLossChart();
  }

  // ------------------------------------------------------------------ network
  function layoutNetwork() {
    const c = state.config, net = state.network;
    const feats = Object.keys(opts.features);
    const nOut = net.layers[net.layers.length - 1].weight.length;
    const columns = [feats.length, ...c.layers, nOut];
    const key = JSON.stringify([c.features, c.layers, c.activation, nOut, state.classes]);
    const box = $("network");
    const maxUnits = Math.max(...columns);
    const size = maxUnits <= 8 ? 30 : maxUnits <= 14 ? 24 : maxUnits <= 20 ? 18 : 14;
    const gap = size >= 24 ? 10 : 6;
    const top = 52, left = 64;
    const width = Math.max(box.clientWidth, 420);
    const height = top + maxUnits * (size + gap) + 10;
    const xs = columns.map((_, i) => left + (i * (width - left - size - 60)) / (columns.length - 1));
    const pos = (col, unit) => ({ x: xs[col], y: top + unit * (size + gap) });
    if (key === structure) { updateLinks(); return; }
    structure = key;
    box.querySelectorAll(".node, .node-label, .layer-head").forEach((x) => x.remove());
    const svg = $("links");
    svg.innerHTML = "";
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    box.style.height = height + "px";
    nodeCanvases = { features: {}, hidden: [], outputs: [] };
    linkEls = [];
    biasEls = [];
    const makeNode = (col, unit, cls) => {
      const p = pos(col, unit);
      const d = document.createElement("div");
      d.className = "node " + cls;
      d.style.left = p.x + "px"; d.style.top = p.y + "px";
      d.style.width = size + "px"; d.style.height = size + "px";
      const cv = document.createElement("canvas");
      d.appendChild(cv);
      box.appendChild(d);
      return { div: d, canvas: cv };
    };
    // inputs: all seven features; the used ones are linked
    feats.forEach((f, u) => {
      const on = c.features.includes(f);
      const n = makeNode(0, u, "input" + (on ? "" : " off"));
      n.div.dataset.feature = f;
      n.div.title = on ? `${opts.features[f]}: click to stop using it` : `${opts.features[f]}: click to use it`;
      nodeCanvases.features[f] = n.canvas;
      const label = document.createElement("span");
      label.className = "node-label";
      label.textContent = FEATURE_LABELS[f] || f;
      label.style.left = "0px";
      label.style.top = pos(0, u).y + size / 2 - 7 + "px";
      box.appendChild(label);
    });
    // hidden layers and the output
    for (let l = 0; l < net.layers.length; l++) {
      const col = l + 1;
      const units = net.layers[l].weight.length;
      const hidden = l < c.layers.length;
      const canvases = [];
      for (let u = 0; u < units; u++) {
        const n = makeNode(col, u, hidden ? "hidden" : "output");
        n.div.dataset.layer = l; n.div.dataset.unit = u;
        const b = document.createElement("div");
        b.className = "bias";
        b.dataset.layer = l; b.dataset.row = u; b.dataset.control = "weights";
        n.div.appendChild(b);
        biasEls.push(b);
        canvases.push(n.canvas);
        if (!hidden && state.classes && state.classes.length > 2) {
          const label = document.createElement("span");
          label.className = "node-label";
          label.textContent = state.classes[u];
          label.style.left = pos(col, u).x + size + 6 + "px";
          label.style.top = pos(col, u).y + size / 2 - 7 + "px";
          box.appendChild(label);
        }
      }
      if (hidden) nodeCanvases.hidden.push(canvases); else nodeCanvases.outputs = canvases;
      const head = document.createElement("div");
      head.className = "layer-head";
      head.style.left = xs[col] + size / 2 - 45 + "px";
      head.style.width = "90px";
      head.style.top = "0px";
      if (hidden) {
        const plus = document.createElement("button");
        plus.className = "round small"; plus.textContent = "+"; plus.dataset.grow = l; plus.title = "add a neuron";
        const minus = document.createElement("button");
        minus.className = "round small"; minus.textContent = "\u2212"; minus.dataset.shrink = l; minus.title = "remove a neuron";
        const buttons = document.createElement("div");
        buttons.dataset.control = "neurons";
        buttons.append(plus, " ", minus);
        const sel = document.createElement("select");
        sel.dataset.layerActivation = l;
        sel.dataset.control = "activation";
        fillSelect(sel, opts.activations, (a) => ACT_NAMES[a] || a);
        sel.value = c.activation[l];
        sel.addEventListener("change", () => {
          const acts = [...state.config.activation];
          acts[l] = sel.value;
          change({ activation: acts });
        });
        const count = document.createElement("div");
        count.textContent = `${units} neuron${units === 1 ? "" : "s"}`;
        head.append(buttons, count, sel);
      } else {
        head.textContent = "output";
      }
      box.appendChild(head);
    }
    // links: weight [row, col] of layer l joins unit col of column l to unit row of column l + 1
    for (let l = 0; l < net.layers.length; l++) {
      const W = net.layers[l].weight;
      for (let r = 0; r < W.length; r++) {
        for (let k = 0; k < W[r].length; k++) {
          const from = l === 0 ? pos(0, feats.indexOf(c.features[k])) : pos(l, k);
          const to = pos(l + 1, r);
          const x0 = from.x + size, y0 = from.y + size / 2, x1 = to.x, y1 = to.y + size / 2;
          const mx = (x0 + x1) / 2;
          const path = document.createElementNS(SVG, "path");
          path.setAttribute("d", `M${x0},${y0} C${mx},${y0} ${mx},${y1} ${x1},${y1}`);
          path.dataset.layer = l; path.dataset.row = r; path.dataset.col = k;
          const title = document.createElementNS(SVG, "title");
          path.appendChild(title);
          svg.appendChild(path);
          linkEls.push(path);
        }
      }
    }
    updateLinks();
  }
  function updateLinks() {
    const layers = state.network.layers;
    for (const p of linkEls) {
      const w = layers[p.dataset.layer].weight[p.dataset.row][p.dataset.col];
      const a = Math.abs(w);
      p.setAttribute("stroke", rgb(w >= 0 ? BLUE : ORANGE));
      p.setAttribute("stroke-width", (0.5 + Math.min(a, 4) * 1.5).toFixed(2));
      p.setAttribute("stroke-opacity", (0.25 + 0.75 * Math.min(a, 1)).toFixed(2));
      p.firstChild.textContent = `weight ${w.toFixed(3)} (click to edit)`;
    }
    for (const b of biasEls) {
      const v = layers[b.dataset.layer].bias[b.dataset.row];
      b.style.background = rgb(diverging(v));
      b.title = `bias ${v.toFixed(3)} (click to edit)`;
    }
  }
  function onNetworkClick(ev) {
    const t = ev.target;
    const node = t.closest(".node.input");
    if (node && !t.classList.contains("bias")) {
      if (ui.hide.includes("features")) return;
      const f = node.dataset.feature;
      const feats = state.config.features;
      const next = feats.includes(f) ? feats.filter((x) => x !== f) : Object.keys(opts.features).filter((x) => x === f || feats.includes(x));
      change({ features: next });
      return;
    }
    if (t.dataset.grow !== undefined || t.dataset.shrink !== undefined) {
      const l = Number(t.dataset.grow !== undefined ? t.dataset.grow : t.dataset.shrink);
      const layers = [...state.config.layers];
      layers[l] += t.dataset.grow !== undefined ? 1 : -1;
      if (layers[l] >= 1) change({ layers });
      return;
    }
    if (ui.hide.includes("weights")) return;
    if (t.classList.contains("bias")) openEditor(ev, Number(t.dataset.layer), Number(t.dataset.row), "bias");
    else if (t.tagName === "path") openEditor(ev, Number(t.dataset.layer), Number(t.dataset.row), Number(t.dataset.col));
  }
  function openEditor(ev, layer, row, col) {
    const L = state.network.layers[layer];
    const value = col === "bias" ? L.bias[row] : L.weight[row][col];
    const ed = $("editor");
    $("editor-label").textContent = col === "bias" ? `bias of neuron ${row + 1}, layer ${layer + 1}` : `weight ${col + 1} \u2192 ${row + 1}, layer ${layer + 1}`;
    $("editor-value").value = value.toFixed(3);
    ed.style.left = ev.pageX + 8 + "px";
    ed.style.top = ev.pageY + 8 + "px";
    ed.hidden = false;
    $("editor-value").focus();
    $("editor-ok").onclick = () => {
      const raw = $("editor-value").value;
      const v = raw !== "" && !isNaN(Number(raw)) ? Number(raw) : raw;
      ed.hidden = true;
      enqueue(async () => {
        try {
          const s = await api("/api/weight", { session, layer, row, col, value: v });
          Object.assign(state, s);
          clearError();
          renderProgress();
          updateLinks();
          await refreshHeat();
        } catch (e) { showError(e); }
      });
    };
  }

  // ------------------------------------------------------------------ pictures
  function drawHeat() {
    if (!heat) return;
    const out = heat.output;
    const multi = Array.isArray(out[0][0]);
    paint($("heatmap"), heat.resolution, (i, j) => outputColour(multi ? out.map((g) => g[i][j]) : out[i][j]));
    const n = heat.neuron_resolution;
    if (!n) return;
    for (const [f, cv] of Object.entries(nodeCanvases.features)) {
      const g = heat.features[f];
      if (g) paint(cv, n, (i, j) => diverging(g[i][j]));
    }
    nodeCanvases.hidden.forEach((canvases, l) => canvases.forEach((cv, u) => {
      const g = heat.hidden[l] && heat.hidden[l][u];
      if (g) paint(cv, n, (i, j) => diverging(g[i][j]));
    }));
    const k = heat.outputs.length;
    nodeCanvases.outputs.forEach((cv, u) => {
      const g = heat.outputs[u];
      if (!g) return;
      if (state.task === "regression") paint(cv, n, (i, j) => diverging(g[i][j] / targetScale()));
      else if (k === 1) paint(cv, n, (i, j) => diverging(2 * g[i][j] - 1));
      else paint(cv, n, (i, j) => mix(MID, PALETTE[u % PALETTE.length], clamp(g[i][j], 0, 1)));
    });
  }
  function drawPoints() {
    const cv = $("points"), ctx = cv.getContext("2d");
    const W = cv.width, H = cv.height;
    ctx.clearRect(0, 0, W, H);
    const [x0, x1] = state.domain.x, [y0, y1] = state.domain.y;
    const px = (x) => ((x - x0) / (x1 - x0)) * W, py = (y) => H - ((y - y0) / (y1 - y0)) * H;
    const many = state.points.train.length + state.points.test.length > 1200;
    const draw = (pts, stroke) => {
      for (const [a, b, label] of pts) {
        const c = state.task === "regression" ? diverging(label / targetScale()) : classColour(label);
        ctx.beginPath();
        ctx.arc(px(a), py(b), many ? 2.5 : 3.5, 0, 2 * Math.PI);
        ctx.fillStyle = rgb(c);
        ctx.fill();
        ctx.lineWidth = 1;
        ctx.strokeStyle = stroke;
        ctx.stroke();
      }
    };
    draw(state.points.train, "#fff");
    if (ui.showTest) draw(state.points.test, "#000");
  }
  function drawLossChart() {
    const cv = $("loss-chart"), ctx = cv.getContext("2d");
    const W = cv.width, H = cv.height;
    ctx.clearRect(0, 0, W, H);
    const series = [[state.loss.train, "#aaa"], [state.loss.test, "#000"]];
    const all = state.loss.train.concat(state.loss.test).filter((v) => v !== null);
    if (!all.length) return;
    const top = Math.max(...all) || 1;
    const n = Math.max(state.loss.train.length - 1, 1);
    for (const [values, colour] of series) {
      ctx.beginPath();
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.5;
      let started = false;
      values.forEach((v, i) => {
        if (v === null) return;
        const x = (i / n) * (W - 2) + 1, y = H - 2 - (v / top) * (H - 6);
        if (started) ctx.lineTo(x, y); else { ctx.moveTo(x, y); started = true; }
      });
      ctx.stroke();
    }
  }
  function drawLegend() {
    const box = $("legend");
    box.innerHTML = "";
    if (state.task === "regression") {
      const cv = document.createElement("canvas");
      cv.width = 120; cv.height = 10;
      const ctx = cv.getContext("2d");
      for (let i = 0; i < 120; i++) { ctx.fillStyle = rgb(diverging(i / 59.5 - 1)); ctx.fillRect(i, 0, 1, 10); }
      const s = targetScale();
      box.append(`${(-s).toFixed(2)} `, cv, ` ${s.toFixed(2)}`);
      return;
    }
    state.classes.forEach((name, i) => {
      const item = document.createElement("span");
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = rgb(classColour(i));
      item.append(sw, `class ${name}`);
      box.appendChild(item);
    });
  }
  function thumbnail(cv, name) {
    const n = 44;
    const f = (x, y) => {
      const r = Math.hypot(x, y);
      if (name === "circle") return r < 2.5 ? ORANGE : r < 5.2 ? BLUE : MID;
      if (name === "xor") return x * y > 0 ? BLUE : ORANGE;
      if (name === "gaussian") return Math.hypot(x - 2, y - 2) < 1.8 ? ORANGE : Math.hypot(x + 2, y + 2) < 1.8 ? BLUE : MID;
      if (name === "spiral") {
        const a = Math.atan2(y, x), t = r / 5;
        const phase = ((a / (2 * Math.PI) - 1.25 * t) % 1 + 1) % 1;
        return r > 5.3 ? MID : phase < 0.22 ? ORANGE : phase > 0.5 && phase < 0.72 ? BLUE : MID;
      }
      if (name === "plane") return diverging((x + y) / 12);
      let v = 0;
      for (const [cx, cy, s] of [[-3.5, 2.5, 1], [0, 2.5, -1], [3.5, 2.5, 1], [-3.5, -2.5, -1], [0, -2.5, 1], [3.5, -2.5, -1]]) {
        v += s * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 2);
      }
      return diverging(v);
    };
    paint(cv, n, (i, j) => f(-6 + (12 * j) / (n - 1), 6 - (12 * i) / (n - 1)));
  }

  // ------------------------------------------------------------------ upload
  function uploadFile() {
    const file = $("upload").files[0];
    if (!file) return;
    if (file.size > 1024 * 1024) {
      showError(new Error(`${file.name} is ${file.size} bytes; the limit is 1 MiB`));
      $("upload").value = "";
      return;
    }
    const reader = new FileReader();
    reader.onload = () => enqueue(async () => {
      try {
        setState(await api("/api/upload", { session, name: file.name, csv: reader.result }));
        clearError();
        await refreshHeat();
      } catch (e) { showError(e); }
      $("upload").value = "";
    });
    reader.readAsText(file);
  }

  // ------------------------------------------------------------------ start
  async function start() {
    try {
      opts = await api("/api/options");
    } catch (e) {
      showError(e, "cannot reach the playground server");
      return;
    }
    buildControls();
    let config = parseHash();
    let first = null;
    for (let i = 0; i < 30 && state === null; i++) {
      try {
        setState(await api("/api/config", { session, config }));
      } catch (e) {
        if (!first) first = e;
        const field = e.info && e.info.field && e.info.field.split("[")[0];
        if (field && field in config) delete config[field]; else config = {};
      }
    }
    if (first) showError(first, "this link's settings");
    await refreshHeat();
    window.addEventListener("resize", () => { structure = ""; layoutNetwork(); drawHeat(); });
    document.body.dataset.ready = "1";
  }
  // read-only view for tests and the curious
  window.rbPlayground = {
    session,
    get state() { return state; },
    get heat() { return heat; },
    get playing() { return playing; },
  };
  start();
})();

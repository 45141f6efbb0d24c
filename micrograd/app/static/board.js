// The board of `micrograd app`: Step, Play/Pause and Reset, the metrics, the data plot (plot.js),
// the curves (chart.js), the optimizer's table and the run's log, redrawn in place at every step.
//
// Commands go to the server as one state value, "commands": cumulative counts of Step clicks,
// Play ticks and Resets, whether it plays, the step shown, and the plot edits not yet
// acknowledged. Counts survive Streamlit merging messages, so every click is one step. While
// playing, the next tick is sent only once the last step is drawn; a Pause names the step shown,
// and replies to commands sent before the Pause are not drawn. Nothing is fetched.

function makeBoard(root) {
  root.innerHTML = `
    <div class="mg-controls">
      <button type="button" class="mg-button" data-action="step">Step</button>
      <button type="button" class="mg-button mg-primary" data-action="play">Play</button>
      <button type="button" class="mg-button" data-action="reset" title="the starting parameters again, a fresh optimizer">Reset</button>
      <div class="mg-metrics"></div>
    </div>
    <div class="mg-row">
      <div class="mg-left">
        <div class="mg-plot-host"></div>
        <div class="mg-legend"></div>
        <label class="mg-toggle"><input type="checkbox" class="mg-show-levels"> level-set lines of the hidden neurons (w &middot; x + b = 0)</label>
      </div>
      <div class="mg-right">
        <div class="mg-charts"></div>
        <div class="mg-timing"></div>
      </div>
    </div>
    <div class="mg-row mg-lower">
      <details class="mg-table" open><summary></summary><div class="mg-table-box"><table></table></div></details>
      <details class="mg-log" open><summary>The log, as the LLM101n module prints it</summary><div class="mg-log-box"><pre></pre></div></details>
    </div>`;
}

function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

function drawMetrics(host, metrics) {
  const names = Object.keys(metrics);
  if (host.dataset.names !== names.join("|")) {
    host.dataset.names = names.join("|");
    host.innerHTML = "";
    for (const name of names) {
      const box = document.createElement("div");
      box.className = "mg-metric";
      box.dataset.name = name;
      box.innerHTML = `<div class="mg-label"></div><div class="mg-value"></div>`;
      box.firstChild.textContent = name;
      host.appendChild(box);
    }
  }
  host.querySelectorAll(".mg-metric").forEach((box) => setText(box.lastChild, metrics[box.dataset.name]));
}

function drawTable(details, table) {
  setText(details.querySelector("summary"), `The optimizer, live: ${table.optimizer}` +
    (table.rows.length < table.total ? ` (the first ${table.rows.length} of ${table.total} parameters)` : ""));
  if (!details.open) return;
  const element = details.querySelector("table");
  const key = table.columns.join("|") + table.rows.length;
  if (element.dataset.key !== key) {
    element.dataset.key = key;
    element.innerHTML = "";
    const head = element.createTHead().insertRow();
    for (const column of table.columns) head.appendChild(document.createElement("th")).textContent = column;
    const body = element.createTBody();
    for (const row of table.rows) {
      const tr = body.insertRow();
      tr.insertCell().textContent = row[0];
      for (let i = 1; i < row.length; i++) tr.insertCell();
    }
  }
  const rows = element.tBodies[0].rows;
  table.rows.forEach((row, r) => {
    const cells = rows[r].cells;
    for (let i = 1; i < row.length; i++) {
      const v = row[i];
      setText(cells[i], v === null ? "-" : v.toFixed(4));
      const sign = v === null ? "" : v < 0 ? "mg-neg" : "mg-pos";
      if (cells[i].className !== sign) cells[i].className = sign;
    }
  });
}

// the log's box scrolls from the bottom (CSS column-reverse): it follows the last line by itself, and no
// layout property is read while drawing (that would force a layout of the whole page mid-update)
function drawLog(pre, lines) {
  const text = lines.length ? lines.join("\n") : "(no step yet)";
  if (pre.__text === text) return;
  pre.__text = text;
  pre.textContent = text;
}

function sendCommands(state) {
  state.seq += 1;
  state.send("commands", {
    seq: state.seq, clicks: state.clicks, ticks: state.ticks, resets: state.resets, playing: state.playing,
    shown: state.shown, cycle_ms: state.cycle, events: state.events,
  });
}

function drawButtons(root, state) {
  const play = root.querySelector('[data-action="play"]');
  setText(play, state.playing ? "Pause" : "Play");
  root.querySelector('[data-action="step"]').disabled = state.playing;
}

function attachBoard(root, state) {
  root.querySelector(".mg-controls").addEventListener("click", (event) => {
    const action = event.target.dataset && event.target.dataset.action;
    if (action === "step" && !state.playing) {
      state.clicks += 1;
    } else if (action === "play" && state.playing) {
      state.playing = false;  // stop at once: nothing sent before this is drawn
      state.pauseSeq = state.seq + 1;
    } else if (action === "play") {
      state.playing = true;
      state.ticks += 1;
      state.cycle = 0;
      state.lastTick = performance.now();
    } else if (action === "reset") {
      state.resets += 1;
      state.playing = false;
      state.pauseSeq = state.seq + 1;
    } else {
      return;
    }
    drawButtons(root, state);
    sendCommands(state);
  });
  root.querySelector(".mg-show-levels").addEventListener("change", (event) => {
    state.showLevels = event.target.checked;
    if (state.data) drawLevels(root.querySelector(".mg-levels"), state.data.plot, state.showLevels);
  });
}

function drawLegend(host, plot) {
  const dots = plot.classes.map((name, i) => `<span style="color:${plot.colors[i]}">&#9679;</span> ${name}`);
  const note = plot.points.some((p) => p[3]) ? " &nbsp; filled: training points, rings: validation points" : "";
  const html = `${dots.join(" &nbsp; ")}${note}. ${plot.note ? plot.note + ". " : ""}Drag a point to move it.`;
  if (host.innerHTML !== html) host.innerHTML = html;
}

function drawBoard(root, state, data) {
  drawMetrics(root.querySelector(".mg-metrics"), data.metrics);
  drawPlot(root.querySelector(".mg-plot"), data.plot, state.showLevels);
  if (!state.events.length) root.querySelectorAll(".mg-pending").forEach((dot) => dot.remove());
  drawLegend(root.querySelector(".mg-legend"), data.plot);
  const c = data.curves;
  drawChart(state.loss, c.step, [{ name: "train", values: c.loss }, { name: "val", values: c.val_loss }], null);
  drawChart(state.accuracy, c.step, [{ name: "train", values: c.accuracy }, { name: "val", values: c.val_accuracy }],
            [0, 1]);
  drawTable(root.querySelector(".mg-table"), data.table);
  drawLog(root.querySelector(".mg-log pre"), data.log);
  setText(root.querySelector(".mg-timing"), data.timing);
  state.shown = data.steps;
  root.dataset.step = String(data.steps);
  root.__version = (root.__version || 0) + 1;
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let root = parentElement.querySelector(".mg-board");
  if (!root) {
    root = document.createElement("div");
    root.className = "mg-board";
    makeBoard(root);
    parentElement.appendChild(root);
    // counts start where the server is (a page reloaded into a running session)
    const state = {
      seq: data.seq, clicks: data.clicks, ticks: data.ticks, resets: data.resets, nextEvent: data.event,
      playing: false, shown: data.steps, pauseSeq: 0, events: [], cycle: 0, lastTick: 0, showLevels: false,
    };
    root.__mg = state;
    const series = [{ name: "train", label: "train" }, { name: "val", label: "validation" }];
    state.loss = makeChart("Loss", series);
    state.accuracy = makeChart("Accuracy", series);
    root.querySelector(".mg-charts").append(state.loss, state.accuracy);
    const plot = makePlot((event) => {
      state.nextEvent += 1;
      state.events.push({ ...event, id: state.nextEvent });
      sendCommands(state);
    });
    root.querySelector(".mg-plot-host").appendChild(plot);
    attachBoard(root, state);
  }
  const state = root.__mg;
  state.send = setStateValue;
  state.data = data;
  state.events = state.events.filter((event) => event.id > data.event);
  if (data.seq < state.pauseSeq) return;  // a reply to what was sent before Pause or Reset: not drawn
  const start = performance.now();
  drawBoard(root, state, data);
  root.__drawMs = performance.now() - start;  // for benchmarks/app.py
  if (root.__firstDraw === undefined) root.__firstDraw = performance.now();
  if (state.playing && data.seq >= state.seq) {
    if (!data.playing) {
      state.playing = false;  // the server stopped (a step failed)
    } else {
      requestAnimationFrame(() => {
        if (!state.playing || data.seq < state.seq) return;
        const now = performance.now();
        state.cycle = now - state.lastTick;
        state.lastTick = now;
        state.ticks += 1;
        sendCommands(state);
      });
    }
  }
  drawButtons(root, state);
}

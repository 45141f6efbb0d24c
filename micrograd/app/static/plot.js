// The data plot of `micrograd app` (part of the board, see board.js): the decision boundary (a
// canvas) under the hidden neurons' level-set lines and the points (an SVG). A click adds a point
// of the chosen class, or picks the example, or deletes a point (the mode is chosen in the page's
// sidebar); dragging a point moves it. Each edit goes to `emit`. Plain JavaScript, no library,
// nothing fetched: the page works offline.

const SVG_NS = "http://www.w3.org/2000/svg";
const DRAG_PX = 4;   // a press that moves less than this is a click
const PICK_PX = 12;  // how near a click must be to a point to hit it

function toScreen(d, x, y) {
  const [x0, x1, y0, y1] = d.extent;
  return [(x - x0) / (x1 - x0) * d.px, (y1 - y) / (y1 - y0) * d.px];
}

function toData(d, sx, sy) {
  const [x0, x1, y0, y1] = d.extent;
  return [x0 + sx / d.px * (x1 - x0), y1 - sy / d.px * (y1 - y0)];
}

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function svgElement(name, attributes) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  return element;
}

function drawBoundary(canvas, d) {
  if (canvas.width !== d.px) {
    canvas.width = d.px;
    canvas.height = d.px;
  }
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, d.px, d.px);
  const b = d.boundary;
  if (!b) return;
  // one pixel per cell on a small canvas, scaled up smoothly
  const small = canvas.__small || document.createElement("canvas");
  canvas.__small = small;
  small.width = b.size;
  small.height = b.size;
  const sctx = small.getContext("2d");
  const image = sctx.createImageData(b.size, b.size);
  const rgb = d.colors.map(hexToRgb);
  for (let k = 0; k < b.size * b.size; k++) {
    const [red, green, blue] = rgb[b.classes.charCodeAt(k) - 48] || [128, 128, 128];
    image.data[4 * k] = red;
    image.data[4 * k + 1] = green;
    image.data[4 * k + 2] = blue;
    image.data[4 * k + 3] = Math.round(255 * (0.10 + 0.045 * (b.confidence.charCodeAt(k) - 48)));
  }
  sctx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, d.px, d.px);
}

// the points: circles kept from one step to the next (a step moves nothing: only an edit redraws them)
function drawPoints(layer, d) {
  const key = JSON.stringify([d.points, d.colors, d.px, d.extent]);
  if (layer.__key !== key) {
    layer.__key = key;
    while (layer.firstChild) layer.removeChild(layer.firstChild);
    d.points.forEach(([x, y, label, val], index) => {
      const [sx, sy] = toScreen(d, x, y);
      const dot = svgElement("circle", { cx: sx, cy: sy, r: val ? 4.5 : 5 });
      dot.setAttribute("class", val ? "mg-point mg-valpoint" : "mg-point");
      if (val) dot.style.stroke = d.colors[label];
      else dot.setAttribute("fill", d.colors[label]);
      dot.dataset.index = index;
      layer.appendChild(dot);
    });
  }
}

function drawExample(ring, d) {
  const [sx, sy] = toScreen(d, d.example[0], d.example[1]);
  ring.setAttribute("cx", sx);
  ring.setAttribute("cy", sy);
}

// each hidden neuron's zero level set: one path per neuron
function drawLevels(layer, d, show) {
  layer.style.display = show ? "" : "none";
  const levels = d.levels || [];
  while (layer.childNodes.length > levels.length) layer.removeChild(layer.lastChild);
  while (layer.childNodes.length < levels.length) layer.appendChild(svgElement("path", { class: "mg-level" }));
  levels.forEach((segments, i) => {
    const parts = segments.map(([ax, ay, bx, by]) => {
      const [sx, sy] = toScreen(d, ax, ay);
      const [tx, ty] = toScreen(d, bx, by);
      return `M${sx.toFixed(1)},${sy.toFixed(1)}L${tx.toFixed(1)},${ty.toFixed(1)}`;
    });
    layer.childNodes[i].setAttribute("d", parts.join(""));
  });
  layer.dataset.count = String(levels.filter((segments) => segments.length).length);
}

function nearest(d, sx, sy) {
  let best = -1;
  let bestDist = PICK_PX;
  d.points.forEach(([x, y], index) => {
    const [px, py] = toScreen(d, x, y);
    const dist = Math.hypot(px - sx, py - sy);
    if (dist <= bestDist) {
      best = index;
      bestDist = dist;
    }
  });
  return best;
}

function attachPlot(plot, emit) {
  const svg = plot.querySelector("svg");
  const state = plot.__mg;
  const position = (event) => {
    const box = svg.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  };
  svg.addEventListener("pointerdown", (event) => {
    const [sx, sy] = position(event);
    state.press = { sx, sy, index: nearest(state.data, sx, sy), moved: false };
    svg.setPointerCapture(event.pointerId);
  });
  svg.addEventListener("pointermove", (event) => {
    const press = state.press;
    if (!press || press.index < 0) return;
    const [sx, sy] = position(event);
    if (Math.hypot(sx - press.sx, sy - press.sy) >= DRAG_PX) press.moved = true;
    if (press.moved) {
      const dot = svg.querySelectorAll("circle.mg-point")[press.index];
      if (dot) {
        dot.setAttribute("cx", sx);
        dot.setAttribute("cy", sy);
      }
    }
  });
  svg.addEventListener("pointerup", (event) => {
    const press = state.press;
    state.press = null;
    if (!press) return;
    const d = state.data;
    const [sx, sy] = position(event);
    const [x, y] = toData(d, Math.min(Math.max(sx, 0), d.px), Math.min(Math.max(sy, 0), d.px));
    if (press.index >= 0 && press.moved) {
      emit({ action: "move", index: press.index, x, y });
    } else if (press.index >= 0) {
      emit({ action: d.mode === "delete" ? "delete" : "pick", index: press.index });
    } else if (d.mode === "add") {
      const dot = svgElement("circle", { cx: sx, cy: sy, r: 5, fill: d.colors[d.label] });
      dot.setAttribute("class", "mg-point mg-pending");  // shown at once, redrawn by the reply
      svg.querySelector(".mg-points").appendChild(dot);
      emit({ action: "add", x, y, label: d.label });
    }
  });
  svg.addEventListener("pointercancel", () => {
    state.press = null;
  });
}

function makePlot(emit) {
  const plot = document.createElement("div");
  plot.className = "mg-plot";
  const canvas = document.createElement("canvas");
  canvas.className = "mg-boundary";
  const svg = svgElement("svg", { class: "mg-overlay" });
  svg.appendChild(svgElement("g", { class: "mg-levels" }));
  svg.appendChild(svgElement("g", { class: "mg-points" }));
  svg.appendChild(svgElement("circle", { class: "mg-example", r: 9 }));
  plot.appendChild(canvas);
  plot.appendChild(svg);
  plot.__mg = { press: null, data: null };
  attachPlot(plot, emit);
  return plot;
}

function drawPlot(plot, d, showLevels) {
  const state = plot.__mg;
  state.data = d;
  if (state.press && state.press.moved) return;  // not under a drag in progress: the drop redraws
  plot.style.width = `${d.px}px`;
  plot.style.height = `${d.px}px`;
  const svg = plot.querySelector("svg");
  svg.setAttribute("width", d.px);
  svg.setAttribute("height", d.px);
  plot.dataset.points = String(d.points.length);
  drawBoundary(plot.querySelector("canvas"), d);
  drawLevels(svg.querySelector(".mg-levels"), d, showLevels);
  drawPoints(svg.querySelector(".mg-points"), d);
  drawExample(svg.querySelector(".mg-example"), d);
}

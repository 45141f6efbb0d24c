// The data plot of `micrograd app`: the decision boundary (a canvas) under the points (an SVG).
// Click adds a point of the chosen class, or picks the example, or deletes a point (the mode
// is chosen in the page); dragging a point moves it. Each action goes back to Python as the
// trigger value "event". Plain JavaScript, no library, nothing fetched: the page works offline.

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

function drawBoundary(canvas, d) {
  canvas.width = d.px;
  canvas.height = d.px;
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, d.px, d.px);
  const b = d.boundary;
  if (!b) return;
  // one pixel per cell on a small canvas, scaled up smoothly
  const small = document.createElement("canvas");
  small.width = b.size;
  small.height = b.size;
  const sctx = small.getContext("2d");
  const image = sctx.createImageData(b.size, b.size);
  const rgb = d.colors.map(hexToRgb);
  for (let k = 0; k < b.size * b.size; k++) {
    const [red, green, blue] = rgb[Number(b.classes[k])] || [128, 128, 128];
    image.data[4 * k] = red;
    image.data[4 * k + 1] = green;
    image.data[4 * k + 2] = blue;
    image.data[4 * k + 3] = Math.round(255 * (0.10 + 0.045 * Number(b.confidence[k])));
  }
  sctx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, d.px, d.px);
}

function drawPoints(svg, d) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  svg.setAttribute("width", d.px);
  svg.setAttribute("height", d.px);
  d.points.forEach(([x, y, label], index) => {
    const [sx, sy] = toScreen(d, x, y);
    const dot = document.createElementNS(SVG_NS, "circle");
    dot.setAttribute("class", "mg-point");
    dot.setAttribute("cx", sx);
    dot.setAttribute("cy", sy);
    dot.setAttribute("r", 5);
    dot.setAttribute("fill", d.colors[label]);
    dot.dataset.index = index;
    svg.appendChild(dot);
  });
  if (d.example) {
    const [sx, sy] = toScreen(d, d.example[0], d.example[1]);
    const ring = document.createElementNS(SVG_NS, "circle");
    ring.setAttribute("class", "mg-example");
    ring.setAttribute("cx", sx);
    ring.setAttribute("cy", sy);
    ring.setAttribute("r", 9);
    svg.appendChild(ring);
  }
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

function attach(root) {
  const svg = root.querySelector("svg");
  const state = root.__mg;
  const position = (event) => {
    const box = svg.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  };
  const send = (event) => {
    state.seq += 1;
    state.send("event", { ...event, seq: state.seq });
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
      send({ action: "move", index: press.index, x, y });
    } else if (press.index >= 0) {
      send({ action: d.mode === "delete" ? "delete" : "pick", index: press.index });
    } else if (d.mode === "add") {
      const dot = document.createElementNS(SVG_NS, "circle");  // shown at once, redrawn by the reply
      dot.setAttribute("class", "mg-point mg-pending");
      dot.setAttribute("cx", sx);
      dot.setAttribute("cy", sy);
      dot.setAttribute("r", 5);
      dot.setAttribute("fill", d.colors[d.label]);
      svg.appendChild(dot);
      send({ action: "add", x, y, label: d.label });
    }
  });
  svg.addEventListener("pointercancel", () => {
    state.press = null;
  });
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let root = parentElement.querySelector(".mg-plot");
  if (!root) {
    root = document.createElement("div");
    root.className = "mg-plot";
    const canvas = document.createElement("canvas");
    canvas.className = "mg-boundary";
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("class", "mg-points");
    root.appendChild(canvas);
    root.appendChild(svg);
    parentElement.appendChild(root);
    root.__mg = { seq: 0, press: null };
    attach(root);
  }
  const state = root.__mg;
  state.send = setTriggerValue;
  if (state.press && state.press.moved) {
    state.data = data;  // do not redraw under a drag in progress: the drop redraws
    return;
  }
  state.data = data;
  root.style.width = `${data.px}px`;
  root.style.height = `${data.px}px`;
  root.dataset.points = String(data.points.length);
  drawBoundary(root.querySelector("canvas"), data);
  drawPoints(root.querySelector("svg"), data);
}

// The loss and accuracy curves of `micrograd app` (part of the board, see board.js): plain SVG
// polylines with a few round ticks, redrawn in place at every step (no charting library).

const CHART_W = 420;
const CHART_H = 170;
const MARGIN = { left: 44, right: 10, top: 22, bottom: 24 };

// about `count` round numbers covering [low, high]
function niceTicks(low, high, count) {
  if (!(high > low)) high = low + 1;
  const raw = (high - low) / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || 10 * power;
  const ticks = [];
  for (let t = Math.ceil(low / step) * step; t <= high + step * 1e-9; t += step) ticks.push(t);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return { ticks, decimals };
}

function makeChart(title, series) {
  const svg = svgElement("svg", { class: "mg-chart", width: CHART_W, height: CHART_H,
                                  viewBox: `0 0 ${CHART_W} ${CHART_H}` });
  const heading = svgElement("text", { x: MARGIN.left, y: 14, class: "mg-chart-title" });
  heading.textContent = title;
  svg.appendChild(heading);
  svg.appendChild(svgElement("g", { class: "mg-axes" }));
  let legendX = MARGIN.left + 90;
  for (const { name, label } of series) {
    svg.appendChild(svgElement("polyline", { class: `mg-line mg-${name}`, "data-series": name }));
    const key = svgElement("text", { x: legendX + 14, y: 14, class: `mg-key mg-${name}-key` });
    key.textContent = label;
    svg.appendChild(svgElement("line", { x1: legendX, x2: legendX + 10, y1: 10, y2: 10,
                                         class: `mg-line mg-${name} mg-${name}-key` }));
    svg.appendChild(key);
    legendX += 20 + 7 * label.length;
  }
  return svg;
}

function drawChart(svg, steps, columns, fixed) {
  const present = columns.filter((c) => c.values.some((v) => v !== null));
  const values = present.flatMap((c) => c.values.filter((v) => v !== null));
  const axes = svg.querySelector(".mg-axes");
  while (axes.firstChild) axes.removeChild(axes.firstChild);
  const plotW = CHART_W - MARGIN.left - MARGIN.right;
  const plotH = CHART_H - MARGIN.top - MARGIN.bottom;
  const xMax = Math.max(1, steps.length ? steps[steps.length - 1] : 1);
  let [yLow, yHigh] = fixed || [Math.min(0, ...values), Math.max(...values, 0)];
  if (!fixed) yHigh = yHigh > yLow ? yHigh * 1.05 : yLow + 1;
  const sx = (x) => MARGIN.left + (x / xMax) * plotW;
  const sy = (y) => MARGIN.top + (1 - (y - yLow) / (yHigh - yLow)) * plotH;
  const y = niceTicks(yLow, yHigh, 4);
  for (const t of y.ticks) {
    axes.appendChild(svgElement("line", { x1: MARGIN.left, x2: MARGIN.left + plotW, y1: sy(t), y2: sy(t),
                                          class: "mg-grid" }));
    const label = svgElement("text", { x: MARGIN.left - 4, y: sy(t) + 3, class: "mg-tick mg-ytick" });
    label.textContent = fixed ? `${Math.round(t * 100)}%` : t.toFixed(y.decimals);
    axes.appendChild(label);
  }
  const x = niceTicks(0, xMax, 5);
  for (const t of x.ticks.filter((t) => Number.isInteger(t))) {
    const label = svgElement("text", { x: sx(t), y: MARGIN.top + plotH + 14, class: "mg-tick mg-xtick" });
    label.textContent = String(t);
    axes.appendChild(label);
  }
  const caption = svgElement("text", { x: MARGIN.left + plotW, y: CHART_H - 1, class: "mg-tick mg-xlabel" });
  caption.textContent = "steps";
  axes.appendChild(caption);
  for (const column of columns) {
    const line = svg.querySelector(`polyline.mg-${column.name}`);
    const points = [];
    column.values.forEach((v, i) => {
      if (v !== null) points.push(`${sx(steps[i]).toFixed(1)},${sy(v).toFixed(1)}`);
    });
    if (points.length === 1) points.push(points[0]);  // one point: a dot (round caps)
    line.setAttribute("points", points.join(" "));
    line.style.display = points.length ? "" : "none";
    svg.querySelectorAll(`.mg-${column.name}-key`).forEach((k) => {
      k.style.display = points.length ? "" : "none";
    });
  }
  svg.dataset.points = String(steps.length);
}

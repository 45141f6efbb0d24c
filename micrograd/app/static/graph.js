// The live graph of `micrograd app`: a heading and what the graph shows, then the SVG that
// graphviz's dot drew on the server, scaled by data.zoom, in a scrolling box (or a message saying
// why there is no graph). A training step changes numbers, not the layout: then the server sends
// no SVG (data.svg is null) and only the texts are replaced. If this view has no SVG of that
// layout, it asks for it (trigger "missing"). Nothing is fetched.

function setHtml(element, html) {
  if (element.__html !== html) {
    element.__html = html;
    element.innerHTML = html;
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const start = performance.now();
  let view = parentElement.querySelector(".mg-graph-view");
  if (!view) {
    view = document.createElement("div");
    view.className = "mg-graph-view";
    view.innerHTML = `<h3 class="mg-graph-title"></h3><p class="mg-graph-text"></p>
      <p class="mg-graph-caption"></p><div class="mg-graph-message"></div><div class="mg-graph"></div>`;
    parentElement.appendChild(view);
  }
  const root = view.querySelector(".mg-graph");
  view.querySelector(".mg-graph-title").textContent = data.title;
  setHtml(view.querySelector(".mg-graph-text"), data.text);
  setHtml(view.querySelector(".mg-graph-caption"), data.caption);
  const message = view.querySelector(".mg-graph-message");
  setHtml(message, data.message);
  message.style.display = data.message ? "" : "none";
  root.style.display = data.message ? "none" : "";
  root.style.maxHeight = `${data.height}px`;
  if (!data.message) {
    if (data.svg) {
      root.innerHTML = data.svg;
      root.__layout = data.layout;
      root.__texts = Array.from(root.querySelectorAll("text"));
      root.__shown = root.__texts.map((t) => t.textContent);
    } else if (root.__layout !== data.layout) {
      root.__layout = null;
      setTriggerValue("missing", data.layout);
      return;
    }
    const texts = root.__texts;
    if (texts.length === data.texts.length) {
      data.texts.forEach((text, i) => {
        if (root.__shown[i] !== text) {
          root.__shown[i] = text;
          texts[i].textContent = text;
        }
      });
    }
    const svg = root.querySelector("svg");
    if (svg && root.__zoom !== `${data.layout}${data.zoom}`) {
      root.__zoom = `${data.layout}${data.zoom}`;
      const box = svg.viewBox.baseVal;
      svg.setAttribute("width", `${box.width * data.zoom}pt`);
      svg.setAttribute("height", `${box.height * data.zoom}pt`);
    }
  }
  root.__version = (root.__version || 0) + 1;
  root.__drawMs = performance.now() - start;  // for benchmarks/app.py
  if (root.__firstDraw === undefined) root.__firstDraw = performance.now();
}

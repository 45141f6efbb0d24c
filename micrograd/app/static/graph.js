// The live graph of `micrograd app`: shows the SVG that graphviz's dot drew on the server,
// scaled by data.zoom, in a scrolling box. A training step changes numbers, not the layout:
// then the server sends no SVG (data.svg is null) and only the texts are replaced. If this
// view has no SVG of that layout, it asks for it (trigger "missing"). Nothing is fetched.

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let root = parentElement.querySelector(".mg-graph");
  if (!root) {
    root = document.createElement("div");
    root.className = "mg-graph";
    parentElement.appendChild(root);
  }
  root.style.maxHeight = `${data.height}px`;
  if (data.svg) {
    root.innerHTML = data.svg;
    root.__layout = data.layout;
  } else if (root.__layout !== data.layout) {
    root.__layout = null;
    setTriggerValue("missing", data.layout);
    return;
  }
  const texts = root.querySelectorAll("text");
  if (texts.length === data.texts.length) {
    data.texts.forEach((text, i) => {
      if (texts[i].textContent !== text) texts[i].textContent = text;
    });
  }
  root.__version = (root.__version || 0) + 1;
  const svg = root.querySelector("svg");
  if (svg) {
    const box = svg.viewBox.baseVal;
    svg.setAttribute("width", `${box.width * data.zoom}pt`);
    svg.setAttribute("height", `${box.height * data.zoom}pt`);
  }
}

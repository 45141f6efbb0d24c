// The live graph of `micrograd app`: shows the SVG that graphviz's dot drew on the server,
// scaled by data.zoom, in a scrolling box. Nothing fetched: the page works offline.

export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.querySelector(".mg-graph");
  if (!root) {
    root = document.createElement("div");
    root.className = "mg-graph";
    parentElement.appendChild(root);
  }
  root.style.maxHeight = `${data.height}px`;
  if (root.__svg !== data.svg) {
    root.innerHTML = data.svg;
    root.__svg = data.svg;
  }
  const svg = root.querySelector("svg");
  if (svg) {
    const box = svg.viewBox.baseVal;
    svg.setAttribute("width", `${box.width * data.zoom}pt`);
    svg.setAttribute("height", `${box.height * data.zoom}pt`);
  }
}

// The live graph of `micrograd app`: shows the SVG that graphviz's dot drew on the server,
// scaled by data.zoom, in a scrolling box. While the layout stays the same (a training step
// changes numbers, not structure), only the texts are replaced. Nothing fetched: works offline.

export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.querySelector(".mg-graph");
  if (!root) {
    root = document.createElement("div");
    root.className = "mg-graph";
    parentElement.appendChild(root);
  }
  root.style.maxHeight = `${data.height}px`;
  const texts = root.querySelectorAll("text");
  if (root.__layout === data.layout && texts.length === data.texts.length) {
    data.texts.forEach((text, i) => {
      if (texts[i].textContent !== text) texts[i].textContent = text;
    });
  } else {
    root.innerHTML = data.svg;
    root.__layout = data.layout;
  }
  root.__svg = data.svg;
  const svg = root.querySelector("svg");
  if (svg) {
    const box = svg.viewBox.baseVal;
    svg.setAttribute("width", `${box.width * data.zoom}pt`);
    svg.setAttribute("height", `${box.height * data.zoom}pt`);
  }
}

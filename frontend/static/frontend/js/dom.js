// A tiny element builder: text goes in as text nodes, never as HTML.
export function h(tag, attrs = {}, ...children) {
  const svg = ["svg", "circle", "polyline", "text", "title", "g", "rect", "line"].includes(tag);
  const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function render(...nodes) {
  const main = document.getElementById("main");
  // replaceChildren would write a missing section (null) as the text "null".
  main.replaceChildren(...nodes.filter((node) => node !== null && node !== undefined && node !== false));
  return main;
}

export function announce(message) {
  const region = document.getElementById("announcer");
  region.textContent = "";
  setTimeout(() => { region.textContent = message; }, 50);
}

export function navigate(url) {
  history.pushState({}, "", url);
  window.dispatchEvent(new Event("va:navigate"));
}

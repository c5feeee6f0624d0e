// Small DOM helpers. Text always goes in as text (textContent), never as HTML.
export const $ = (selector, root = document) => root.querySelector(selector);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("data-")) node.setAttribute(name, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node[name] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Replace a table body's rows; an empty list shows one row saying so.
export function fillRows(tbody, rows, emptyText) {
  const columns = tbody.closest("table").querySelectorAll("thead th").length;
  if (!rows.length) {
    tbody.replaceChildren(el("tr", { class: "empty" }, el("td", { colSpan: columns }, emptyText)));
    return;
  }
  tbody.replaceChildren(...rows);
}

export function card(label, value, key) {
  return el("div", { class: "figure", "data-figure": key }, el("span", { class: "value" }, value),
    el("span", { class: "label" }, label));
}

// Call fn once, `ms` after the first of a burst of calls: a steady flow of events re-reads
// the data every `ms` (a debounce would never fire while events keep coming).
export function coalesce(fn, ms) {
  let timer = null;
  return () => {
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}

// A random v4 UUID, also where crypto.randomUUID is missing (pages served over plain http).
export function uuid4() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// DOM helpers. The one rule of this page: data reaches the DOM only as text nodes
// (textContent, createTextNode) or attribute values (setAttribute), never as markup.

// Characters that would hide or reorder text: controls, zero-width characters and the
// bidirectional overrides. They are shown as a visible marker such as [U+202E].
const HIDDEN = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u00AD\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/u;
const HIDDEN_ALL = new RegExp(HIDDEN.source, "gu");
const LINE_BREAKS = /[\n\t]/u;

/** Build an element: h("td", {class: "x", title: t}, "text", child, ...). */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

function marker(char) {
  const code = char.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
  return h("span", { class: "hidden-char", title: `U+${code}` }, `[U+${code}]`);
}

/**
 * A text as nodes, with invisible and reordering characters made visible. multiline keeps
 * newlines and tabs (for <pre> blocks); otherwise they are markers too.
 */
export function visible(text, { multiline = false } = {}) {
  const value = String(text);
  const pattern = multiline ? HIDDEN_ALL : new RegExp(`${HIDDEN.source}|${LINE_BREAKS.source}`, "gu");
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of value.matchAll(pattern)) {
    if (match.index > last) fragment.append(value.slice(last, match.index));
    fragment.append(marker(match[0]));
    last = match.index + match[0].length;
  }
  if (last < value.length) fragment.append(value.slice(last));
  return fragment;
}

/**
 * Fill a sidebar list: one button per item ({key, title, sub, tooltip}), the active one
 * marked; empty: the text shown when there is none.
 */
export function fillList(list, items, { active, onSelect, empty }) {
  const rows = items.map((item) =>
    h(
      "li",
      {},
      h(
        "button",
        {
          type: "button",
          class: item.key === active ? "item active" : "item",
          title: item.tooltip,
          onclick: () => onSelect(item.key),
        },
        h("span", { class: "item-title" }, visible(item.title)),
        h("span", { class: "item-sub" }, item.sub),
      ),
    ),
  );
  fill(list, rows.length ? rows : h("li", { class: "empty" }, empty));
}

/** What a resource's sidebar entry says under its name: its bindings. */
export function bindingsText(bindings) {
  return bindings.length ? bindings.join(", ") : "unbound";
}

export function show(element, shown = true) {
  element.hidden = !shown;
}

export function formatBytes(size) {
  if (size < 1024) return `${size} B`;
  const units = ["KiB", "MiB", "GiB"];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]} (${size.toLocaleString("en")} bytes)`;
}

/** An epoch-seconds instant as "2027-01-15 08:00:00 UTC". */
export function formatInstant(seconds) {
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** Seconds left as "4 min 10 s", "2 h 3 min", "3 d 4 h"; "expired" at or past zero. */
export function formatLeft(seconds) {
  if (seconds <= 0) return "expired";
  const s = Math.ceil(seconds); // a countdown: "1 s" until the very instant it expires
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

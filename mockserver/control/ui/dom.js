// Small helpers to build the page. Everything the mock sends is written with textContent,
// never as HTML: a job's text or a webhook URL is shown, not run.

export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "text") element.textContent = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name in element && typeof value !== "string") element[name] = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function replaceChildren(element, children) {
  element.replaceChildren(...children.flat().filter((child) => child !== null));
}

/** A table body of `rows`, or one row saying `empty` across `columns` cells. */
export function rowsOrEmpty(body, rows, columns, empty) {
  replaceChildren(body, rows.length ? rows : [h("tr", {}, h("td", { colspan: columns, class: "empty", text: empty }))]);
}

export function badge(text, kind = text) {
  return h("span", { class: "badge " + String(kind).replace(/[^\w-]/g, ""), text });
}

/** The time of day of an ISO timestamp, the whole timestamp on hover. */
export function time(iso) {
  if (!iso) return h("span", { class: "muted", text: "-" });
  return h("time", { datetime: iso, title: iso, text: iso.slice(11, 19) || iso });
}

export function seconds(value) {
  if (value === null || value === undefined) return "-";
  const total = Math.max(0, value);
  if (total < 60) return (Math.round(total * 10) / 10).toFixed(total < 10 ? 1 : 0) + " s";
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return minutes + " min " + Math.floor(total % 60) + " s";
  return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
}

export function number(value) {
  return value === null || value === undefined ? "-" : Number(value).toLocaleString("en-US");
}

export function short(text, length = 40) {
  if (text === null || text === undefined) return "-";
  const value = String(text);
  return value.length > length ? value.slice(0, length - 1) + "\u2026" : value;
}

/** The fields of `record` this page does not know, as `name: value` text: a route that grew a
 *  field still shows it, where a fixed set of columns would hide it. */
export function extras(record, known) {
  const lines = [];
  for (const [name, value] of Object.entries(record)) {
    if (known.includes(name) || value === null || value === undefined) continue;
    lines.push(name + ": " + (typeof value === "object" ? JSON.stringify(value) : value));
  }
  return lines.join("\n");
}

export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

/** Whole-second time of an ISO timestamp, as epoch seconds. */
export function epoch(iso) {
  return iso ? Date.parse(iso) / 1000 : null;
}

/** Whether `parts` differ from what `panel` last drew: a panel whose data has not changed is
 *  left as it is, so a row keeps its hover, and a button its place, while nothing happens. */
export function changed(panel, ...parts) {
  const shown = JSON.stringify(parts);
  if (shown === panel.lastDrawn) return false;
  panel.lastDrawn = shown;
  return true;
}

// The journal: newest first, filtered by operation, status and key; each entry's detail.

import { badge, changed, extras, h, pretty, rowsOrEmpty, short, time } from "./dom.js";
import { REQUESTS_SHOWN } from "./live.js";

const OPERATIONS = ["generate", "generateAvatar", "avatar", "generation", "rest.create", "rest.get"];
const KNOWN = ["at", "method", "path", "operation", "apiKey", "status", "durationMs"];

export class RequestsPanel {
  constructor(app) {
    this.app = app;
    this.operation = h("select", { id: "requests-operation", "aria-label": "operation", onchange: () => app.refresh() },
      h("option", { value: "", text: "any operation" }),
      OPERATIONS.map((name) => h("option", { value: name, text: name })));
    this.status = h("input", { id: "requests-status", type: "number", min: "0", max: "599", placeholder: "status", "aria-label": "status", onchange: () => app.refresh() });
    this.key = h("input", { id: "requests-key", placeholder: "API key", "aria-label": "API key", onchange: () => app.refresh() });
    this.body = h("tbody");
    this.detail = h("pre", { id: "request-detail", class: "detail", hidden: true });
    this.count = h("span", { class: "muted" });
    this.element = h(
      "section",
      { id: "requests-panel", class: "panel" },
      h("h2", {}, "Requests ", this.count),
      h("div", { class: "bar" }, this.operation, this.status, this.key),
      h("div", { class: "scroll" },
        h("table", { id: "requests" },
          h("thead", {}, h("tr", {}, ["at", "request", "operation", "key", "status", "ms"].map((name) => h("th", { text: name })))),
          this.body)),
      this.detail,
    );
  }

  /** The journal's query string for the filters chosen. */
  filters() {
    const query = new URLSearchParams();
    if (this.operation.value) query.set("operation", this.operation.value);
    if (this.status.value !== "") query.set("status", this.status.value);
    if (this.key.value.trim()) query.set("apiKey", this.key.value.trim());
    const text = query.toString();
    return text ? "&" + text : "";
  }

  render(state) {
    if (!state.requests || !changed(this, state.requests)) return;
    const entries = [...state.requests.requests].reverse();
    this.count.textContent = entries.length >= REQUESTS_SHOWN ? "(the newest " + REQUESTS_SHOWN + ")" : "(" + entries.length + ")";
    rowsOrEmpty(this.body, entries.map((entry) => this.row(entry)), 6, "No API requests match.");
  }

  row(entry) {
    const failed = entry.status === 0 || entry.status >= 400;
    const more = extras(entry, KNOWN);
    return h(
      "tr",
      { onclick: () => this.show(entry), title: more || null },
      h("td", {}, time(entry.at)),
      h("td", { class: "mono" }, entry.method + " " + short(entry.path, 32), more ? h("span", { class: "more", text: " +" }) : null),
      h("td", { text: entry.operation || "-" }),
      h("td", { class: "mono", text: short(entry.apiKey, 20) }),
      h("td", {}, badge(entry.status === 0 ? "dropped" : String(entry.status), failed ? "failed" : "ok")),
      h("td", { class: "num", text: entry.durationMs }),
    );
  }

  show(entry) {
    this.detail.hidden = false;
    this.detail.textContent = entry.method + " " + entry.path + "\n" + pretty(entry);
  }
}

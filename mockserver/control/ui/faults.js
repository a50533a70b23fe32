// Faults in force, a form to script one, and a button to clear them all.

import { changed, extras, h, rowsOrEmpty } from "./dom.js";

const STATUSES = ["400", "401", "402", "404", "413", "429", "500"];
const OUTCOMES = ["failed", "drop"];
const OPERATIONS = ["generate", "generateAvatar", "avatar", "generation", "rest.create", "rest.get"];
const KNOWN = ["id", "status", "outcome", "operation", "apiKey", "times", "probability", "latencyMs", "message"];

export class FaultsPanel {
  constructor(app) {
    this.app = app;
    this.body = h("tbody");
    const field = (name, input) => h("label", {}, name, input);
    this.what = h("select", { id: "fault-what", name: "what" },
      h("optgroup", { label: "status" }, STATUSES.map((status) => h("option", { value: status, text: status }))),
      h("optgroup", { label: "outcome" }, OUTCOMES.map((outcome) => h("option", { value: outcome, text: outcome }))),
      h("option", { value: "", text: "latency only" }));
    this.operation = h("select", { id: "fault-operation", name: "operation" },
      h("option", { value: "", text: "any" }), OPERATIONS.map((name) => h("option", { value: name, text: name })));
    this.key = h("input", { id: "fault-key", name: "apiKey", placeholder: "any key" });
    this.times = h("input", { id: "fault-times", name: "times", type: "number", min: "1", placeholder: "until cleared" });
    this.probability = h("input", { id: "fault-probability", name: "probability", type: "number", min: "0", max: "1", step: "any", placeholder: "1" });
    this.latency = h("input", { id: "fault-latency", name: "latencyMs", type: "number", min: "0", placeholder: "0" });
    this.message = h("input", { id: "fault-message", name: "message", placeholder: "the error's own" });
    this.element = h(
      "section",
      { id: "faults-panel", class: "panel" },
      h("h2", {}, "Faults", h("button", { id: "faults-clear", class: "danger small", onclick: () => this.clear(), text: "Clear all" })),
      h("table", { id: "faults" },
        h("thead", {}, h("tr", {}, ["what", "operation", "key", "times left", "probability", "latency", "more"].map((name) => h("th", { text: name })))),
        this.body),
      h("form", { id: "fault-form", class: "grid", onsubmit: (event) => this.add(event) },
        field("status or outcome", this.what), field("operation", this.operation), field("key", this.key),
        field("times", this.times), field("probability", this.probability), field("latency ms", this.latency),
        field("message", this.message),
        h("button", { id: "fault-add", type: "submit", text: "Add fault" })),
    );
  }

  /** The fault the form describes, with only the fields filled in. */
  fault() {
    const fault = {};
    const what = this.what.value;
    if (STATUSES.includes(what)) fault.status = Number(what);
    else if (what) fault.outcome = what;
    if (this.operation.value) fault.operation = this.operation.value;
    if (this.key.value.trim()) fault.apiKey = this.key.value.trim();
    for (const [name, input] of [["times", this.times], ["probability", this.probability], ["latencyMs", this.latency]]) {
      if (input.value !== "") fault[name] = Number(input.value);
    }
    if (this.message.value) fault.message = this.message.value;
    return fault;
  }

  add(event) {
    event.preventDefault();
    this.app.act("fault", () => this.app.control.post("faults", this.fault()), (fault) => "Fault " + fault.id + " added");
  }

  clear() {
    this.app.act("clear faults", () => this.app.control.delete("faults"), () => "Faults cleared");
  }

  render(state) {
    if (!state.faults || !changed(this, state.faults)) return;
    rowsOrEmpty(this.body, state.faults.faults.map((fault) => h(
      "tr",
      { "data-id": fault.id },
      h("td", { text: fault.status ?? fault.outcome ?? "latency" }),
      h("td", { text: fault.operation || "any" }),
      h("td", { class: "mono", text: fault.apiKey || "any" }),
      h("td", { class: "num", text: fault.times ?? "\u221e" }),
      h("td", { class: "num", text: fault.probability ?? 1 }),
      h("td", { class: "num", text: fault.latencyMs ? fault.latencyMs + " ms" : "-" }),
      h("td", { class: "extras", text: [fault.message, extras(fault, KNOWN)].filter(Boolean).join("\n") }),
    )), 7, "No faults: every request gets its real answer.");
  }
}

// The clock (now, mode, advance) and the scenarios (switch, reset).

import { h, replaceChildren } from "./dom.js";

export class ClockPanel {
  constructor(app) {
    this.app = app;
    this.now = h("output", { id: "clock-now", text: "-" });
    this.mode = h("span", { id: "clock-mode", class: "badge" });
    this.amount = h("input", { id: "advance-seconds", type: "number", min: "0", step: "any", value: "30", "aria-label": "seconds" });
    this.scenario = h("select", { id: "scenario", "aria-label": "scenario" });
    this.active = h("span", { id: "scenario-active", class: "muted" });
    this.element = h(
      "section",
      { id: "clock-panel", class: "panel wide" },
      h("h2", { text: "Clock" }),
      h(
        "div",
        { class: "bar" },
        h("div", { class: "now" }, this.now, " ", this.mode),
        h("button", { id: "advance-5s", onclick: () => this.advance(5), text: "+5 s" }),
        h("button", { id: "advance-1min", onclick: () => this.advance(60), text: "+1 min" }),
        h(
          "form",
          { class: "inline", onsubmit: (event) => this.advanceBy(event) },
          this.amount,
          h("button", { id: "advance-custom", type: "submit", text: "Advance" }),
        ),
        h("span", { class: "spacer" }),
        h("label", { text: "Scenario " }, this.scenario),
        h("button", { id: "scenario-switch", onclick: () => this.switchScenario(), text: "Switch" }),
        h("button", { id: "reset", class: "danger", onclick: () => this.reset(), text: "Reset" }),
        this.active,
      ),
    );
    this.scenarioNames = "";
  }

  advance(seconds) {
    this.app.act("advanced " + seconds + " s", () => this.app.control.post("clock/advance", { seconds }),
      (clock) => "Clock now " + clock.now);
  }

  advanceBy(event) {
    event.preventDefault();
    this.advance(Number(this.amount.value));
  }

  switchScenario() {
    const name = this.scenario.value;
    if (name) {
      this.app.act("scenario", () => this.app.control.post("scenarios/" + encodeURIComponent(name)),
        () => "Scenario " + name + " active (state reset)");
    } else {
      this.app.act("scenario", () => this.app.control.post("reset", { scenario: null }),
        () => "No scenario (state reset)");
    }
  }

  reset() {
    this.app.act("reset", () => this.app.control.post("reset"), () => "Reset to the fixtures");
  }

  render(state) {
    const clock = state.clock;
    if (clock) {
      this.mode.textContent = clock.mode;
      this.mode.className = "badge " + clock.mode;
    }
    const scenarios = state.scenarios;
    if (!scenarios) return;
    const names = ["", ...(scenarios.scenarios || [])];
    const active = scenarios.active ? scenarios.active.name : "";
    if (names.join() !== this.scenarioNames) {
      this.scenarioNames = names.join();
      replaceChildren(this.scenario, names.map((name) => h("option", { value: name, text: name || "(none)" })));
      this.scenario.value = active;
    }
    this.active.textContent = active ? "active: " + active : "no scenario";
  }

  /** Between rounds: the clock's time now, counting on a real clock. */
  tick(now) {
    if (now !== null) this.now.textContent = new Date(now * 1000).toISOString().slice(0, 19).replace("T", " ") + " UTC";
  }
}

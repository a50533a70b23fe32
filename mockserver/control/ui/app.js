// The dashboard: panels over the control plane, kept live by polling (see live.js).

import { AccountsPanel } from "./accounts.js";
import { ClockPanel } from "./clock.js";
import { Control, Unauthorized } from "./control.js";
import { FaultsPanel } from "./faults.js";
import { JobsPanel } from "./jobs.js";
import { Poller, sources } from "./live.js";
import { RequestsPanel } from "./requests.js";
import { WebhooksPanel } from "./webhooks.js";

const TICK_MS = 250; // how often the countdowns and the clock move between rounds
const TOAST_MS = 6000;

class Dashboard {
  constructor() {
    this.control = new Control();
    this.main = document.getElementById("panels");
    this.login = document.getElementById("login");
    this.live = document.getElementById("live");
    this.toastArea = document.getElementById("toasts");
    this.panels = null;
    this.clock = null;
    this.clockAt = 0;
    this.rounds = 0;
    this.poller = new Poller(() => this.round());
    this.login.addEventListener("submit", (event) => this.submitToken(event));
    setInterval(() => this.tick(), TICK_MS);
  }

  start() {
    this.poller.start();
  }

  /** The panels, made anew each time the page is opened with a token: none while locked. */
  mount() {
    if (this.panels) return;
    const panels = {
      clock: new ClockPanel(this),
      jobs: new JobsPanel(this),
      requests: new RequestsPanel(this),
      webhooks: new WebhooksPanel(this),
      faults: new FaultsPanel(this),
      accounts: new AccountsPanel(this),
    };
    this.panels = panels;
    this.main.replaceChildren(...Object.values(panels).map((panel) => panel.element));
    this.main.hidden = false;
    this.login.hidden = true;
  }

  /** No token, or a wrong one: no data on the page, and no action, until one is given. */
  lock(message) {
    this.panels = null;
    this.main.replaceChildren();
    this.main.hidden = true;
    this.login.hidden = false;
    document.getElementById("login-error").textContent = this.control.token ? "That token was refused: " + message : "";
    document.getElementById("token").focus();
    this.setLive("locked", "needs the admin token");
  }

  submitToken(event) {
    event.preventDefault();
    this.control.token = document.getElementById("token").value;
    document.getElementById("token").value = "";
    this.refresh();
  }

  async round() {
    const wanted = sources(this.panels ? this.panels.requests.filters() : "");
    const names = Object.keys(wanted);
    const started = performance.now();
    const results = await Promise.allSettled(names.map((name) => this.control.get(wanted[name])));
    const refused = results.find((result) => result.status === "rejected" && result.reason instanceof Unauthorized);
    if (refused) {
      this.lock(refused.reason.message);
      return;
    }
    const state = {};
    const failed = [];
    results.forEach((result, index) => {
      if (result.status === "fulfilled") state[names[index]] = result.value;
      else failed.push(names[index] + ": " + result.reason.message);
    });
    if (state.clock) {
      this.clock = state.clock;
      this.clockAt = performance.now();
    }
    this.mount();
    for (const panel of Object.values(this.panels)) panel.render(state);
    this.tick();
    this.rounds += 1;
    document.body.dataset.rounds = this.rounds;
    const took = Math.round(performance.now() - started);
    if (failed.length) this.setLive("error", failed.join("; "));
    else this.setLive("live", "updated " + new Date().toLocaleTimeString("en-GB") + " (" + took + " ms)");
  }

  refresh() {
    this.poller.now();
  }

  /** The mock's clock now: on a real clock it runs on between rounds. */
  clockNow() {
    if (!this.clock) return null;
    const since = this.clock.mode === "real" ? (performance.now() - this.clockAt) / 1000 : 0;
    return this.clock.epoch + since;
  }

  tick() {
    if (!this.panels) return;
    const now = this.clockNow();
    this.panels.clock.tick(now);
    this.panels.jobs.tick(now);
  }

  /** Do one action, show what it did (or why not) at once, then bring every panel up to date. */
  async act(what, call, describe) {
    try {
      this.toast(describe(await call()), "ok");
    } catch (error) {
      if (error instanceof Unauthorized) this.lock(error.message);
      else this.toast(what + ": " + error.message, "error");
    }
    this.refresh();
  }

  toast(text, kind) {
    const note = document.createElement("div");
    note.className = "toast " + kind;
    note.setAttribute("role", kind === "error" ? "alert" : "status");
    note.textContent = text;
    this.toastArea.prepend(note);
    setTimeout(() => note.remove(), TOAST_MS);
  }

  setLive(kind, text) {
    this.live.className = "live " + kind;
    this.live.textContent = text;
  }
}

new Dashboard().start();

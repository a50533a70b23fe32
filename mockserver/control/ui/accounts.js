// Accounts: plan, credits, limits, what is left of the current windows; edit credits and plan.

import { changed, epoch, extras, h, number, replaceChildren, rowsOrEmpty, seconds } from "./dom.js";

const PLANS = ["free", "starter", "pro", "enterprise"];
const KNOWN = ["apiKey", "plan", "credits", "webhookSecret", "limits"];

export class AccountsPanel {
  constructor(app) {
    this.app = app;
    this.body = h("tbody");
    this.key = h("select", { id: "account-key", "aria-label": "account", onchange: () => this.fill() });
    this.plan = h("input", { id: "account-plan", list: "plans", "aria-label": "plan" });
    this.credits = h("input", { id: "account-credits", type: "number", min: "0", "aria-label": "credits" });
    this.plans = h("datalist", { id: "plans" });
    this.accounts = new Map();
    this.keys = "";
    this.element = h(
      "section",
      { id: "accounts-panel", class: "panel wide" },
      h("h2", { text: "Accounts" }),
      h("div", { class: "scroll" },
        h("table", { id: "accounts" },
          h("thead", {}, h("tr", {}, ["key", "plan", "credits", "limits (min / running / day)", "left this minute", "left today", "running", "webhook secret", "more"].map((name) => h("th", { text: name })))),
          this.body)),
      h("form", { id: "account-form", class: "bar", onsubmit: (event) => this.save(event) },
        h("label", {}, "Account ", this.key), h("label", {}, "plan ", this.plan), h("label", {}, "credits ", this.credits),
        this.plans, h("button", { id: "account-save", type: "submit", text: "Save" })),
    );
  }

  render(state) {
    if (!state.accounts || !changed(this, state.accounts, state.usage, state.clock)) return;
    const usage = new Map(((state.usage && state.usage.usage) || []).map((entry) => [entry.apiKey, entry]));
    const now = this.app.clockNow();
    this.accounts = new Map(state.accounts.accounts.map((account) => [account.apiKey, account]));
    rowsOrEmpty(this.body, state.accounts.accounts.map((account) => this.row(account, usage.get(account.apiKey), now)), 9, "No accounts.");
    const keys = [...this.accounts.keys()];
    if (keys.join() !== this.keys) {
      const chosen = this.key.value;
      this.keys = keys.join();
      replaceChildren(this.key, keys.map((key) => h("option", { value: key, text: key })));
      const plans = new Set([...PLANS, ...state.accounts.accounts.map((account) => account.plan)]);
      replaceChildren(this.plans, [...plans].map((plan) => h("option", { value: plan })));
      if (keys.includes(chosen)) this.key.value = chosen;
      this.fill();
    }
  }

  row(account, usage, now) {
    const limits = account.limits || {};
    return h(
      "tr",
      { "data-id": account.apiKey },
      h("td", { class: "mono", text: account.apiKey }),
      h("td", { text: account.plan }),
      h("td", { class: "num credits", text: number(account.credits) }),
      h("td", { class: "num", text: [limits.requestsPerMinute, limits.concurrentJobs, limits.dailyRequests].map(limit).join(" / ") }),
      h("td", { class: "num" }, usage ? windowLeft(usage.minute, now) : "-"),
      h("td", { class: "num" }, usage ? windowLeft(usage.day, now) : "-"),
      h("td", { class: "num", text: usage ? usage.concurrentJobs.running + " of " + limit(usage.concurrentJobs.limit) : "-" }),
      h("td", { class: "mono secret", text: account.webhookSecret }),
      h("td", { class: "extras", text: extras(account, KNOWN) }),
    );
  }

  /** The form shows the chosen account as it is. */
  fill() {
    const account = this.accounts.get(this.key.value);
    if (!account) return;
    this.plan.value = account.plan;
    this.credits.value = account.credits;
  }

  save(event) {
    event.preventDefault();
    const key = this.key.value;
    const body = { plan: this.plan.value.trim(), credits: Number(this.credits.value) };
    this.app.act("account", () => this.app.control.put("accounts/" + encodeURIComponent(key), body),
      (account) => account.apiKey + ": " + account.plan + ", " + number(account.credits) + " credits");
  }
}

function limit(value) {
  return value === null || value === undefined ? "\u221e" : number(value);
}

function windowLeft(window, now) {
  if (!window || window.limit === null) return "no limit";
  const resets = now === null ? null : epoch(window.resetsAt) - now;
  return h("span", { title: "used " + number(window.used) + "; resets at " + window.resetsAt },
    number(window.remaining) + " of " + number(window.limit),
    h("span", { class: "muted", text: resets === null ? "" : " (resets in " + seconds(resets) + ")" }));
}

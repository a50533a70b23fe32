// Webhook deliveries with every attempt (status or error, duration), and replay.

import { badge, changed, extras, h, pretty, rowsOrEmpty, short, time } from "./dom.js";
import { DELIVERIES_SHOWN } from "./live.js";

const KNOWN = ["id", "jobId", "apiKey", "url", "status", "attempts", "nextAttemptAt", "payload", "oneOff"];

export class WebhooksPanel {
  constructor(app) {
    this.app = app;
    this.body = h("tbody");
    this.detail = h("pre", { id: "delivery-detail", class: "detail", hidden: true });
    this.count = h("span", { class: "muted" });
    this.element = h(
      "section",
      { id: "webhooks-panel", class: "panel" },
      h("h2", {}, "Webhooks ", this.count),
      h("div", { class: "scroll" },
        h("table", { id: "deliveries" },
          h("thead", {}, h("tr", {}, ["job", "to", "status", "attempts", "next", ""].map((name) => h("th", { text: name })))),
          this.body)),
      this.detail,
    );
  }

  render(state) {
    if (!state.deliveries || !changed(this, state.deliveries)) return;
    const deliveries = [...state.deliveries.deliveries].reverse();
    this.count.textContent = deliveries.length >= DELIVERIES_SHOWN ? "(the newest " + DELIVERIES_SHOWN + ")" : "(" + deliveries.length + ")";
    rowsOrEmpty(this.body, deliveries.map((delivery) => this.row(delivery)), 6,
      "No deliveries yet: a job with a webhookUrl sends one when it ends.");
  }

  row(delivery) {
    const more = extras(delivery, KNOWN);
    return h(
      "tr",
      { "data-id": delivery.id, "data-attempts": delivery.attempts.length, onclick: () => this.show(delivery), title: more || null },
      h("td", { class: "mono", text: delivery.jobId }),
      h("td", { class: "mono", title: delivery.url, text: short(delivery.url, 30) }),
      h("td", {}, badge(delivery.status), delivery.oneOff ? h("span", { class: "muted", text: " one-off" }) : null),
      h("td", {}, h("ol", { class: "attempts" }, delivery.attempts.map(attempt))),
      h("td", {}, time(delivery.nextAttemptAt)),
      h("td", { class: "actions" },
        h("button", { "data-action": "replay", onclick: (event) => this.replay(event, delivery), text: "Replay" })),
    );
  }

  replay(event, delivery) {
    event.stopPropagation();
    this.app.act("replay", () => this.app.control.post("webhooks/" + encodeURIComponent(delivery.id) + "/replay"),
      (done) => "Replayed " + done.id + ": " + describe(done.attempts[done.attempts.length - 1]));
  }

  show(delivery) {
    this.detail.hidden = false;
    this.detail.textContent = "delivery " + delivery.id + "\n" + pretty(delivery);
  }
}

function describe(attempt) {
  if (!attempt) return "no attempt";
  const answer = attempt.status !== undefined ? String(attempt.status) : "error: " + attempt.error;
  return answer + " in " + attempt.durationMs + " ms";
}

function attempt(one) {
  const ok = one.status !== undefined && one.status >= 200 && one.status < 300;
  return h("li", { class: ok ? "ok" : "failed", title: one.error || null },
    time(one.at), " ", describe(one), one.replay ? " (replay)" : "");
}

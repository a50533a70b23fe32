// Jobs: id, key, status, time left on the mock's clock, cost, webhook; complete or fail one.

import { badge, changed, epoch, extras, h, pretty, rowsOrEmpty, seconds, short } from "./dom.js";
import { JOBS_SHOWN } from "./live.js";

// Every field a job record has today; any other is shown in "more", and all are in the detail.
const KNOWN = [
  "id", "apiKey", "status", "text", "avatarId", "voice", "language", "version", "webhookUrl",
  "creditCost", "creditsRefunded", "durationSeconds", "createdAt", "dueAt", "completedAt",
  "error", "plannedError",
];

export class JobsPanel {
  constructor(app) {
    this.app = app;
    this.body = h("tbody");
    this.detail = h("pre", { id: "job-detail", class: "detail", hidden: true });
    this.count = h("span", { class: "muted" });
    this.element = h(
      "section",
      { id: "jobs-panel", class: "panel wide" },
      h("h2", {}, "Jobs ", this.count),
      h(
        "table",
        { id: "jobs" },
        h("thead", {}, h("tr", {}, ["id", "key", "text", "status", "time left", "cost", "webhook", "more", ""].map((name) => h("th", { text: name })))),
        this.body,
      ),
      this.detail,
    );
  }

  render(state) {
    if (!state.jobs || !changed(this, state.jobs, state.deliveries)) return;
    const jobs = [...state.jobs.jobs].reverse();
    const deliveries = new Map();
    for (const delivery of (state.deliveries && state.deliveries.deliveries) || []) {
      deliveries.set(delivery.jobId, delivery);
    }
    this.count.textContent = jobs.length >= JOBS_SHOWN ? "(the newest " + JOBS_SHOWN + ")" : "(" + jobs.length + ")";
    rowsOrEmpty(this.body, jobs.map((job) => this.row(job, deliveries.get(job.id))), 9,
      "No jobs yet: create one over the API (or from the GraphQL console).");
  }

  row(job, delivery) {
    const processing = job.status === "processing";
    return h(
      "tr",
      { "data-id": job.id, "data-status": job.status, onclick: () => this.show(job) },
      h("td", { class: "mono", text: job.id }),
      h("td", { class: "mono", text: job.apiKey }),
      h("td", { title: job.text, text: short(job.text, 36) }),
      h("td", {}, badge(job.status)),
      h("td", { class: "left", "data-due": processing ? epoch(job.dueAt) : null, text: processing ? "" : "-" }),
      h("td", { class: "num", text: job.creditCost }),
      h("td", { class: "webhook" }, webhookStatus(job, delivery)),
      h("td", { class: "extras", text: extras(job, KNOWN) }),
      h(
        "td",
        { class: "actions" },
        processing && h("button", { "data-action": "complete", onclick: (event) => this.finish(event, job, "complete"), text: "Complete" }),
        processing && h("button", { "data-action": "fail", class: "danger", onclick: (event) => this.finish(event, job, "fail"), text: "Fail" }),
      ),
    );
  }

  finish(event, job, how) {
    event.stopPropagation();
    this.app.act(how, () => this.app.control.post("jobs/" + encodeURIComponent(job.id) + "/" + how),
      (done) => "Job " + done.id + " " + done.status);
  }

  show(job) {
    this.detail.hidden = false;
    this.detail.textContent = "job " + job.id + "\n" + pretty(job);
  }

  tick(now) {
    if (now === null) return;
    for (const cell of this.body.querySelectorAll("td[data-due]")) {
      cell.textContent = seconds(Number(cell.dataset.due) - now);
    }
  }
}

function webhookStatus(job, delivery) {
  if (delivery) {
    const last = delivery.attempts[delivery.attempts.length - 1];
    const answer = last ? (last.status !== undefined ? " " + last.status : " error") : "";
    return [badge(delivery.status), h("span", { class: "muted", text: answer })];
  }
  if (!job.webhookUrl) return h("span", { class: "muted", text: "none" });
  return h("span", { class: "muted", title: job.webhookUrl, text: job.status === "processing" ? "when it ends" : short(job.webhookUrl, 24) });
}

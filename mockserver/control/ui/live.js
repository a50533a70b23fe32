// How the page stays live: short polling of the control plane's own JSON routes.
//
// Polling rather than server-sent events (a GET /__mock/events stream), because:
// - each panel reads the very route a test or curl reads, so the page can show nothing the
//   control plane does not, and the core needs no change feed threaded through it;
// - EventSource cannot send headers, so the admin token would have to travel in the URL (and
//   into logs); fetch sends it as X-Mock-Admin-Token, like every other client;
// - the server holds no connection per open tab, and what a tab costs it is bounded: one round
//   of capped listings (?limit=) a second, no new round while one is still out, none at all
//   while the tab is hidden. `python -m benchmarks.dashboard` measures what that costs the API
//   plane, asking the routes of `sources` below as often.

export const INTERVAL_MS = 1000;
export const JOBS_SHOWN = 50;
export const DELIVERIES_SHOWN = 50;
export const REQUESTS_SHOWN = 100;

/** The control routes one round reads, by the name the panels know their answers by. */
export function sources(requestFilters = "") {
  return {
    clock: "clock",
    jobs: "jobs?limit=" + JOBS_SHOWN,
    deliveries: "webhooks?limit=" + DELIVERIES_SHOWN,
    requests: "requests?limit=" + REQUESTS_SHOWN + requestFilters,
    faults: "faults",
    accounts: "accounts",
    usage: "usage",
    scenarios: "scenarios",
  };
}

/** Calls `round` every INTERVAL_MS while the page is visible, never two at once; `now()` asks
 *  for one straight away (after an action), or right after the one in flight. */
export class Poller {
  constructor(round) {
    this.round = round;
    this.running = false;
    this.again = false;
    this.timer = null;
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.now();
    });
  }

  start() {
    this.now();
  }

  async now() {
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = true;
    try {
      await this.round();
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.now();
      } else {
        this.timer = setTimeout(() => this.tick(), INTERVAL_MS);
      }
    }
  }

  tick() {
    if (document.visibilityState === "visible") this.now();
    else this.timer = setTimeout(() => this.tick(), INTERVAL_MS);
  }
}

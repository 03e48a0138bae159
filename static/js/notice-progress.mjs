// The notices page's progress bar, kept current while workers send. The page renders the
// figures from the same function the API summary calls; this polls that summary
// (GET /api/v1/strikes/<id>/notices/summary/, the session's own access) and rewrites the
// bar and numbers, until nothing is waiting or being sent. Screen readers hear about it
// only when something worth knowing happens (sending finished, a notice failed), not on
// every poll.
//
// "Done" is sent or delivered, out of the notices owed (all but the withdrawn), rounded
// down: appointments/dashboard/notices_data.py ProgressFigures says the same.

const POLL_MS = 3000;
// A queue that stops moving (letters and calls wait for staff) is checked less often.
const SLOW_POLL_MS = 15000;
const SLOW_AFTER_UNCHANGED = 10;
const number = new Intl.NumberFormat("en-GB");

let running = null;

function figuresFrom(summary) {
  const status = summary.by_status;
  const figures = {
    total: summary.total,
    sent: status.sent,
    delivered: status.delivered,
    failed: status.failed,
    withdrawn: status.withdrawn,
    overdue: summary.overdue,
    waiting: status.pending + status.sending,
  };
  figures.owed = figures.total - figures.withdrawn;
  figures.done = figures.sent + figures.delivered;
  figures.percent = figures.owed ? Math.floor((figures.done * 100) / figures.owed) : 0;
  return figures;
}

function render(root, figures) {
  for (const element of root.querySelectorAll("[data-figure]")) {
    const key = element.dataset.figure;
    if (!(key in figures)) continue;
    element.textContent = key === "percent" ? `${figures.percent}%` : number.format(figures[key]);
  }
  const bar = root.querySelector("progress");
  if (bar) {
    bar.max = figures.owed || 1;
    bar.value = figures.done;
    bar.textContent = `${figures.percent}%`;
  }
}

function say(root, selector, text) {
  const element = root.querySelector(selector);
  if (element) element.textContent = text;
}

function finishedMessage(figures) {
  let text = `Sending has finished: ${number.format(figures.done)} of ${number.format(figures.owed)} notices owed have gone out (${figures.percent}%).`;
  if (figures.failed) {
    text += ` ${number.format(figures.failed)} failed: reload the page to see them and retry.`;
  }
  return text;
}

function start(root) {
  const url = root.dataset.summaryUrl;
  let previous = null;
  let unchanged = 0;
  let timer = null;
  const state = { root, stop: () => clearTimeout(timer) };

  function schedule() {
    timer = setTimeout(poll, unchanged >= SLOW_AFTER_UNCHANGED ? SLOW_POLL_MS : POLL_MS);
  }

  async function poll() {
    if (!root.isConnected) return;
    if (document.hidden) {
      schedule();
      return;
    }
    let response;
    try {
      response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
    } catch {
      say(root, "[data-refresh-note]", "StrikeDesk could not be reached. Trying again…");
      unchanged = SLOW_AFTER_UNCHANGED;
      schedule();
      return;
    }
    if (!response.ok) {
      // Signed out, or the strike has gone: polling again would fail the same way.
      say(root, "[data-refresh-note]", "Live updates stopped. Reload the page to see the latest figures.");
      return;
    }
    const figures = figuresFrom(await response.json());
    if (!root.isConnected) return;
    render(root, figures);
    const key = JSON.stringify(figures);
    unchanged = key === previous ? unchanged + 1 : 0;
    if (previous !== null) {
      const before = JSON.parse(previous);
      if (figures.failed > before.failed && figures.waiting) {
        say(root, "[data-progress-announcer]", `${number.format(figures.failed)} notices have failed so far.`);
      }
    }
    previous = key;
    if (!figures.waiting) {
      say(root, "[data-refresh-note]", "Up to date: nothing is waiting to be sent.");
      say(root, "[data-progress-announcer]", finishedMessage(figures));
      root.dataset.finished = "true";
      return;
    }
    schedule();
  }

  say(root, "[data-refresh-note]", "These figures update by themselves every few seconds while notices are being sent.");
  schedule();
  return state;
}

function connect() {
  const root = document.querySelector("[data-notice-progress]");
  if (running && running.root === root) return;
  running?.stop();
  running = null;
  if (root && Number(root.dataset.waiting) > 0) running = start(root);
}

connect();
// A form swapped in a fresh copy of the page's content (htmx): follow the new bar.
document.addEventListener("htmx:afterSettle", connect);

// Progressive enhancement shared by the dashboard's pages. Every page works without it:
// forms post and the server redirects back. With it, htmx swaps only the part a form
// changes; this file keeps keyboard and screen-reader users where the change happened
// and says so when the server cannot be reached.

const errorRegionId = "sd-request-error";

function errorRegion() {
  let region = document.getElementById(errorRegionId);
  if (!region) {
    region = document.createElement("div");
    region.id = errorRegionId;
    region.className = "nhsuk-error-summary sd-request-error";
    region.setAttribute("role", "alert");
    region.tabIndex = -1;
    region.hidden = true;
    document.getElementById("maincontent")?.prepend(region);
  }
  return region;
}

function showRequestError(message) {
  const region = errorRegion();
  region.replaceChildren();
  const heading = document.createElement("h2");
  heading.className = "nhsuk-error-summary__heading";
  heading.textContent = "There is a problem";
  const body = document.createElement("p");
  body.textContent = message;
  region.append(heading, body);
  region.hidden = false;
  region.focus();
}

const focusAfterSwap = "[data-focus-after-swap]";

document.addEventListener("htmx:afterSettle", (event) => {
  const region = document.getElementById(errorRegionId);
  if (region) region.hidden = true;
  // The swapped-in fragment marks what should take focus (a result message, a heading),
  // so focus does not fall back to the top of the page. After an outerHTML swap the
  // original target has left the document, so look the marker up again.
  const swapped = event.detail.target;
  const target = swapped?.isConnected
    ? (swapped.matches(focusAfterSwap) ? swapped : swapped.querySelector(focusAfterSwap))
    : document.querySelector(focusAfterSwap);
  if (target) {
    if (!target.hasAttribute("tabindex")) target.tabIndex = -1;
    target.focus();
  }
});

document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  showRequestError(
    status === 403
      ? "You do not have permission to do that. Your trust's administrator can change your role."
      : `The server could not do that (error ${status}). Nothing was changed. Reload the page and try again.`,
  );
});

document.addEventListener("htmx:sendError", () => {
  showRequestError(
    "StrikeDesk could not be reached. Check your connection; nothing was changed. Try again in a moment.",
  );
});

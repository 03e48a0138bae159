// The strike page's Assess link opens a dry run that counts every booking in the strike,
// which takes a while for a large one. The browser keeps showing this page meanwhile, so
// say that something is happening. Without this script the link still works.

function showLoading(event) {
  const link = event.currentTarget;
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return; // new tab
  const indicator = document.getElementById(link.dataset.sdLoading);
  if (!indicator) return;
  indicator.hidden = false;
  link.setAttribute("aria-disabled", "true");
}

function resetLoading() {
  for (const link of document.querySelectorAll("[data-sd-loading]")) {
    const indicator = document.getElementById(link.dataset.sdLoading);
    if (indicator) indicator.hidden = true;
    link.removeAttribute("aria-disabled");
  }
}

for (const link of document.querySelectorAll("a[data-sd-loading]")) {
  link.addEventListener("click", showLoading);
}
// Coming back with the Back button can restore the page as it was left, still "counting".
window.addEventListener("pageshow", resetLoading);

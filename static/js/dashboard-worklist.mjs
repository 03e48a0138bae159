// The worklist's "Select all on this page" box and the count of ticked bookings. Without
// this file the box stays hidden (it could not work) and each booking is ticked on its own;
// the bulk buttons post either way. Listeners sit on the document because htmx replaces
// the table after every filter, page and decision.

const bookingSelector = "input[data-worklist-booking]";

function bookingBoxes() {
  return [...document.querySelectorAll(bookingSelector)];
}

function describe(counter, ticked) {
  if (!ticked) return "";
  const template = ticked === 1 ? counter.dataset.one : counter.dataset.many;
  return (template || "").replace("%(num)s", String(ticked));
}

function refresh() {
  const boxes = bookingBoxes();
  const ticked = boxes.filter((box) => box.checked).length;
  const selectAll = document.querySelector("[data-worklist-select-all]");
  const wrapper = document.querySelector("[data-worklist-select-all-box]");
  const counter = document.querySelector("[data-worklist-selected-count]");
  if (wrapper) wrapper.hidden = boxes.length === 0;
  if (selectAll) {
    selectAll.checked = boxes.length > 0 && ticked === boxes.length;
    selectAll.indeterminate = ticked > 0 && ticked < boxes.length;
  }
  if (counter) counter.textContent = describe(counter, ticked);
}

document.addEventListener("change", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLInputElement)) return;
  if (target.matches("[data-worklist-select-all]")) {
    for (const box of bookingBoxes()) box.checked = target.checked;
  }
  if (target.matches(`[data-worklist-select-all], ${bookingSelector}`)) refresh();
});

document.addEventListener("htmx:afterSettle", refresh);
refresh();

// The dashboard's charts, drawn with Chart.js (window.Chart, loaded before this module)
// from the same REST API integrations use. Each chart sits above a server-rendered table
// of the same numbers, which is what screen readers and people without JavaScript use;
// the chart box stays hidden until there is something to draw.
//
// <section data-impact-charts data-api-url="/api/v1/strikes/<id>/report/">: a strike's
//   impact per trust, per day, and postponed outpatient against inpatient.
// <section data-compare-chart data-api-url="/api/v1/strike-comparison/">: strikes compared.
// Series names come from the tables' column headers (th[data-series]), so chart and
// table say the same words in the same language.

const INK = "#212b32";
const WHITE = "#ffffff";
// NHS identity colours. Each series also has its own fill pattern and a fixed place in
// the stack, so no one has to tell the colours apart.
const SERIES = {
  exempt: { colour: "#768692" },
  at_risk: { colour: "#ffb81c", mark: "stripes", markColour: INK },
  going_ahead: { colour: "#007f3b" },
  postponed_total: { colour: "#d5281b", mark: "dots", markColour: WHITE },
  postponed_outpatient: { colour: "#005eb8" },
  postponed_inpatient: { colour: "#330072", mark: "stripes", markColour: WHITE },
};
const OUTCOMES = ["exempt", "at_risk", "going_ahead", "postponed_total"];
const KINDS = ["postponed_outpatient", "postponed_inpatient"];

function fill(name) {
  const { colour, mark, markColour } = SERIES[name];
  if (!mark) return colour;
  const tile = document.createElement("canvas");
  tile.width = 8;
  tile.height = 8;
  const pen = tile.getContext("2d");
  pen.fillStyle = colour;
  pen.fillRect(0, 0, 8, 8);
  pen.strokeStyle = markColour;
  pen.fillStyle = markColour;
  pen.lineWidth = 1.5;
  if (mark === "stripes") {
    pen.beginPath();
    for (const [x0, y0, x1, y1] of [
      [0, 8, 8, 0],
      [-2, 2, 2, -2],
      [6, 10, 10, 6],
    ]) {
      pen.moveTo(x0, y0);
      pen.lineTo(x1, y1);
    }
    pen.stroke();
  } else {
    pen.beginPath();
    pen.arc(4, 4, 1.6, 0, 2 * Math.PI);
    pen.fill();
  }
  return pen.createPattern(tile, "repeat") ?? colour;
}

function seriesLabel(table, name) {
  return table?.querySelector(`th[data-series="${name}"]`)?.textContent.trim() ?? name;
}

// A chart's label drops the words every trust's name ends with; the table has the full name.
function shortName(name) {
  return name.replace(/\s+NHS(\s+Foundation)?\s+Trust$/i, "");
}

// Long names as lines of at most `width` characters, so labels fit a phone's width.
function wrap(text, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && (line + " " + word).length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

const shortDay = new Intl.DateTimeFormat("en-GB", {
  weekday: "short",
  day: "numeric",
  month: "short",
  timeZone: "UTC",
});

function dayLabel(isoDate) {
  // The API's dates are already UK-local days; read them as UTC so nothing shifts them.
  return shortDay.format(new Date(`${isoDate}T12:00:00Z`));
}

async function fetchJson(url) {
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (!response.ok) throw new Error(`status ${response.status}`);
  return response.json();
}

function setUp() {
  const { Chart } = window;
  Chart.defaults.color = INK;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 14;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  return Chart;
}

function draw(Chart, container, { labels, datasets, horizontal, stacked }) {
  const bars = stacked ? 1 : datasets.length;
  const box = container.querySelector("[data-chart-box]");
  const canvas = container.querySelector("[data-chart-canvas]");
  if (horizontal) {
    // Room for each bar (or pair of bars) and its wrapped label, plus axis and legend.
    const perRow = labels.map((lines) => Math.max(lines.length * 1.25, bars * 1.5) + 1);
    box.style.height = `${7 + perRow.reduce((sum, height) => sum + height, 0)}rem`;
  }
  const valueAxis = {
    stacked,
    beginAtZero: true,
    ticks: { precision: 0 },
    grid: { color: "#d8dde0" },
  };
  // Every label shown: Chart.js would otherwise drop those it thinks too crowded.
  const categoryAxis = { stacked, grid: { display: false }, ticks: { autoSkip: false } };
  new Chart(canvas, {
    type: "bar",
    data: {
      labels,
      datasets: datasets.map((set) => ({
        ...set,
        backgroundColor: fill(set.series),
        borderColor: WHITE,
        borderWidth: 1,
      })),
    },
    options: {
      indexAxis: horizontal ? "y" : "x",
      scales: horizontal
        ? { x: valueAxis, y: categoryAxis }
        : { x: categoryAxis, y: valueAxis },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 24, boxHeight: 16, padding: 16 } },
      },
    },
  });
  container.querySelector("[data-chart-status]").hidden = true;
  container.dataset.chartDrawn = "true";
}

function datasetsFor(names, table, rows) {
  return names.map((name) => ({
    series: name,
    label: seriesLabel(table, name),
    data: rows.map((row) => row[name]),
  }));
}

function showCharts(containers) {
  for (const container of containers) container.hidden = false;
}

function fail(section, containers) {
  for (const container of containers) {
    const status = container.querySelector("[data-chart-status]");
    status.textContent = section.dataset.errorMessage;
    container.querySelector("[data-chart-box]").hidden = true;
  }
}

async function impactCharts(section, Chart) {
  const containers = [...section.querySelectorAll("[data-chart]")];
  showCharts(containers);
  let report;
  try {
    report = await fetchJson(section.dataset.apiUrl);
  } catch {
    fail(section, containers);
    return;
  }
  const width = section.clientWidth < 500 ? 16 : 32;
  const counted = report.rows.filter((row) => row.counted);
  const trustLabels = counted.map((row) => wrap(shortName(row.trust_name), width));
  const table = (name) => section.querySelector(`[data-chart-table="${name}"]`);
  const part = (name) => section.querySelector(`[data-chart="${name}"]`);
  draw(Chart, part("by_trust"), {
    labels: trustLabels,
    datasets: datasetsFor(OUTCOMES, table("by_trust"), counted),
    horizontal: true,
    stacked: true,
  });
  // The API leaves out days with nothing in them; the chart shows every strike day.
  const totals = new Map(report.day_totals.map((day) => [day.date, day]));
  const nothing = Object.fromEntries(OUTCOMES.map((name) => [name, 0]));
  const days = report.days.map((date) => totals.get(date) ?? nothing);
  draw(Chart, part("by_day"), {
    labels: report.days.map(dayLabel),
    datasets: datasetsFor(OUTCOMES, table("by_day"), days),
    horizontal: false,
    stacked: true,
  });
  draw(Chart, part("by_kind"), {
    labels: trustLabels,
    datasets: datasetsFor(KINDS, table("by_kind"), counted),
    horizontal: true,
    stacked: false,
  });
}

async function compareChart(section, Chart) {
  const containers = [...section.querySelectorAll("[data-chart]")];
  showCharts(containers);
  let comparison;
  try {
    comparison = await fetchJson(section.dataset.apiUrl);
  } catch {
    fail(section, containers);
    return;
  }
  const width = section.clientWidth < 500 ? 16 : 36;
  draw(Chart, containers[0], {
    labels: comparison.rows.map((row) => wrap(row.title, width)),
    datasets: datasetsFor(
      KINDS,
      section.querySelector("[data-chart-table]"),
      comparison.rows,
    ),
    horizontal: true,
    stacked: true,
  });
}

const impactSections = document.querySelectorAll("[data-impact-charts]");
const compareSections = document.querySelectorAll("[data-compare-chart]");
if (window.Chart && (impactSections.length || compareSections.length)) {
  const Chart = setUp();
  for (const section of impactSections) impactCharts(section, Chart);
  for (const section of compareSections) compareChart(section, Chart);
}

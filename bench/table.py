"""The results as a table: a terminal's, and the README's (Markdown)."""

from typing import Any


def rows(report: dict[str, Any]) -> list[list[str]]:
    table = []
    for figure in report["figures"]:
        floor = figure["floor_median"]
        ratio = figure["ratio"]
        table.append(
            [
                figure["scenario"],
                f"{_number(figure['median'])} {figure['unit']}",
                f"{_number(floor)} {figure['unit']}" if floor is not None else "-",
                f"{ratio:.2f}" if ratio is not None else "-",
                figure["target"],
                {True: "yes", False: "NO", None: "-"}[figure["met"]],
            ]
        )
    return table


HEADER = ["scenario", "measured (median)", "floor", "ratio", "target", "met"]


def render(report: dict[str, Any]) -> str:
    body = rows(report)
    widths = [max(len(row[i]) for row in [HEADER, *body]) for i in range(len(HEADER))]
    lines = [
        f"StrikeDesk bench at SCALE={report['scale']:,}, median of {report['runs']} runs",
        f"{report['machine']['cpu']}, {report['machine']['cores']} cores, "
        f"PostgreSQL {report['machine']['postgresql']}, {report['machine']['measured_at']}",
        "",
    ]
    for row in [HEADER, ["-" * w for w in widths], *body]:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows(report))
    return "\n".join(lines)


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"

"""Evaluation output: JSON (everything), a markdown table, and a self-contained HTML report.

The HTML draws its plots as inline SVG (metric vs K, accuracy vs coverage, per-slice bars), so
it needs no plotting library and opens offline.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from pathlib import Path

from marquee.recs.evaluation.harness import EvalReport

TABLE_METRICS = ("precision", "recall", "ndcg", "map", "map_legacy", "mrr", "hit", "coverage")
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2")
W, H, PAD = 420, 260, 40


def to_json(report: EvalReport) -> str:
    return json.dumps(asdict(report), indent=2, sort_keys=False) + "\n"


def to_markdown(report: EvalReport) -> str:
    k = report.k
    diverse = bool(report.results) and all(f"diversity@{k}" in r.metrics for r in report.results)
    extra = [f"diversity@{k}"] if diverse else []
    head = ["model", *(f"{m}@{k}" for m in TABLE_METRICS), f"gini@{k}", f"novelty@{k}", *extra]
    head.append("fit s")
    lines = [
        f"Dataset {report.dataset}, protocol {report.protocol}, seed {report.seed}, "
        f"full ranking over {report.stats['items']} items, "
        f"{report.stats['test_users']} test users.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for result in report.results:
        cells = [f"{result.metrics[f'{m}@{k}']:.4f}" for m in (*TABLE_METRICS, "gini")]
        cells.append(f"{result.metrics[f'novelty@{k}']:.2f}")
        cells.extend(f"{result.metrics[name]:.4f}" for name in extra)
        cells.append(f"{result.fit_seconds:.2f}")
        lines.append(f"| {result.model} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _scale(value: float, low: float, high: float, start: float, end: float) -> float:
    span = (high - low) or 1.0
    return start + (value - low) / span * (end - start)


def _frame(title: str, x_label: str, y_label: str, body: str) -> str:
    return (
        f'<svg width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img">'
        f"<title>{html.escape(title)}</title>"
        f'<rect x="{PAD}" y="10" width="{W - PAD - 10}" height="{H - PAD - 10}" '
        'fill="none" stroke="#999"/>'
        f'<text x="{W / 2}" y="{H - 5}" text-anchor="middle" font-size="11">{x_label}</text>'
        f'<text x="10" y="{H / 2}" font-size="11" transform="rotate(-90 10 {H / 2})" '
        f'text-anchor="middle">{y_label}</text>{body}</svg>'
    )


def _lines(report: EvalReport, metric: str) -> str:
    top = max((r.metrics[f"{metric}@{k}"] for r in report.results for k in report.ks), default=1)
    parts = []
    for index, result in enumerate(report.results):
        colour = COLOURS[index % len(COLOURS)]
        points = [
            (
                _scale(i, 0, max(len(report.ks) - 1, 1), PAD, W - 10),
                _scale(result.metrics[f"{metric}@{k}"], 0, top, H - PAD, 10),
            )
            for i, k in enumerate(report.ks)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        parts.append(
            f'<text x="{PAD + 5}" y="{22 + 12 * index}" fill="{colour}" font-size="11">'
            f"{html.escape(result.model)}</text>"
        )
    for i, k in enumerate(report.ks):
        x = _scale(i, 0, max(len(report.ks) - 1, 1), PAD, W - 10)
        parts.append(f'<text x="{x:.1f}" y="{H - PAD + 14}" font-size="10">{k}</text>')
    parts.append(f'<text x="{PAD - 2}" y="18" font-size="10" text-anchor="end">{top:.2f}</text>')
    return _frame(f"{metric} vs K", "K", metric, "".join(parts))


def _scatter(report: EvalReport) -> str:
    k = report.k
    xs = [r.metrics[f"coverage@{k}"] for r in report.results]
    ys = [r.metrics[f"ndcg@{k}"] for r in report.results]
    parts = []
    for index, result in enumerate(report.results):
        x = _scale(xs[index], 0, max([*xs, 1e-9]), PAD + 10, W - 40)
        y = _scale(ys[index], 0, max([*ys, 1e-9]), H - PAD - 5, 20)
        colour = COLOURS[index % len(COLOURS)]
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>')
        label = html.escape(result.model)
        parts.append(f'<text x="{x + 7:.1f}" y="{y + 4:.1f}" font-size="11">{label}</text>')
    return _frame("accuracy vs coverage", f"coverage@{k}", f"ndcg@{k}", "".join(parts))


def _slice_bars(report: EvalReport) -> str:
    k = report.k
    bars = [
        (f"{r.model} · {name}", values.get(f"recall@{k}", 0.0))
        for r in report.results
        for name, values in sorted(r.slices.items())
    ]
    if not bars:
        return "<p>No cold users or cold items in this split.</p>"
    top = max(value for _, value in bars) or 1.0
    height = 18 * len(bars) + 20
    rows = []
    for index, (label, value) in enumerate(bars):
        width = value / top * (W - 200)
        rows.append(
            f'<text x="0" y="{14 + 18 * index}" font-size="11">{html.escape(label)}</text>'
            f'<rect x="190" y="{4 + 18 * index}" width="{width:.1f}" height="12" fill="#1f77b4"/>'
            f'<text x="{194 + width:.1f}" y="{14 + 18 * index}" font-size="10">{value:.3f}</text>'
        )
    title = f"<title>recall@{k} per slice</title>"
    return f'<svg width="{W}" height="{height}" role="img">{title}{"".join(rows)}</svg>'


def to_html(report: EvalReport) -> str:
    table = to_markdown(report).splitlines()
    header = [c.strip() for c in table[2].strip("|").split("|")]
    body = [[c.strip() for c in line.strip("|").split("|")] for line in table[4:]]
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in body
    )
    heads = "".join(f"<th>{html.escape(c)}</th>" for c in header)
    title = f"Marquee evaluation — {report.dataset}, {report.protocol}"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(table[0])}</p>"
        f"<p>{html.escape(report.command)} · {html.escape(report.date)}</p>"
        f"<table><tr>{heads}</tr>{rows}</table>"
        f"<h2>Metrics vs K</h2>{_lines(report, 'ndcg')} {_lines(report, 'recall')}"
        f"<h2>Accuracy vs coverage</h2>{_scatter(report)}"
        f"<h2>Slices (recall@{report.k})</h2>{_slice_bars(report)}</body></html>\n"
    )


def write_all(report: EvalReport, folder: Path) -> list[Path]:
    """Write ``report.json``, ``report.md`` and ``report.html`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    outputs = {"report.json": to_json, "report.md": to_markdown, "report.html": to_html}
    paths = []
    for name, render in outputs.items():
        path = folder / name
        path.write_text(render(report), encoding="utf-8")
        paths.append(path)
    return paths

"""The report's HTML: one self-contained page (inline CSS, pictures as data: URIs, no script, no link out).

Each section is one function returning an HTML fragment; `page` joins them. Section ids (the tests look for
them): identity, loss, accuracy, final-table, grid, evolution, saturation, neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from .neighbours import Neighbours
from .pictures import data_uri, png_bytes
from .rundata import RunData

SECTIONS = ("identity", "loss", "accuracy", "final-table", "grid", "evolution", "saturation", "neighbours")
NOT_EVALUATED = "not evaluated"
NO_BASELINE = "no baseline recorded"

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; background: #fff; max-width: 1400px; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; font-size: 0.9em; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
img.px { image-rendering: pixelated; width: 64px; height: 64px; display: block; }
img.plot { max-width: 100%; }
.missing { color: #a33; font-style: italic; }
.note { color: #555; font-size: 0.9em; }
.strip { display: flex; gap: 10px; overflow-x: auto; align-items: flex-end; }
.strip figure { margin: 0; text-align: center; font-size: 0.8em; }
.strip img { image-rendering: pixelated; max-height: 320px; }
table.grid td { padding: 2px; border: none; }
.pos { color: #176317; } .neg { color: #a33; }
"""


@dataclass
class PageParts:
    """What the page shows beyond the runs themselves: plots (PNG bytes or None), evolution frames per run
    ((iteration, png) list), nearest neighbours per run (Neighbours, or the reason they are missing)."""

    loss_png: bytes | None
    accuracy_png: bytes | None
    saturation_png: bytes | None
    evolution: dict[str, list[tuple[int, bytes]]] = field(default_factory=dict)
    neighbours: dict[str, Neighbours | str] = field(default_factory=dict)
    generated_by: str = ""


def _img(png: bytes, alt: str, cls: str = "px") -> str:
    return f'<img class="{cls}" alt="{escape(alt)}" src="{data_uri(png)}">'


def _missing(text: str) -> str:
    return f'<p class="missing">{escape(text)}</p>'


def identity_section(runs: list[RunData]) -> str:
    keys = list(runs[0].identity())
    identities = [r.identity() for r in runs]
    head = "".join(f"<th>{escape(r.label)}</th>" for r in runs)
    rows = "".join(
        f"<tr><th>{escape(k)}</th>"
        + "".join(f"<td>{escape(i.get(k, ''))}</td>" for i in identities)
        + "</tr>"
        for k in keys
    )
    return f'<section id="identity"><h2>Runs</h2><table><tr><th></th>{head}</tr>{rows}</table></section>'


def plot_section(section: str, title: str, png: bytes | None, missing: str, notes: list[str]) -> str:
    body = _img(png, title, "plot") if png is not None else _missing(missing)
    extra = "".join(f'<p class="note">{escape(n)}</p>' for n in notes)
    return f'<section id="{section}"><h2>{escape(title)}</h2>{body}{extra}</section>'


def _acc(result: dict | None) -> str:
    return "" if result is None else f"{result['mean']:.2f} ± {result['std']:.2f}"


def _gain(value: float | None, base: float | None) -> str:
    if value is None or base is None:
        return ""
    gain = value - base
    return f'<span class="{"pos" if gain >= 0 else "neg"}">{gain:+.2f}</span>'


def final_table_section(runs: list[RunData]) -> str:
    """Rows: architectures and the cross-architecture mean; per run: distilled, random-real baseline, gain."""
    names: list[str] = []
    for run in runs:
        for name in (run.final_evaluation or {}).get("per_model", {}):
            if name not in names:
                names.append(name)
    head = "".join(
        f'<th colspan="3">{escape(r.label)} ({escape(r.dataset)}, iteration '
        f"{(r.final_evaluation or {}).get('iteration', '-')})</th>"
        for r in runs
    )
    sub = "<th>distilled</th><th>random real</th><th>gain</th>" * len(runs)
    rows = []
    for name in [*names, "cross-arch mean"]:
        cells = []
        for run in runs:
            final, base = run.final_evaluation, run.baseline
            if final is None:
                cells.append(f'<td colspan="3" class="missing">{NOT_EVALUATED}</td>')
                continue
            if name == "cross-arch mean":
                mine = (final.get("cross_arch_mean"), final.get("cross_arch_std"))
                theirs = (base or {}).get("cross_arch_mean"), (base or {}).get("cross_arch_std")
                a = None if mine[0] is None else {"mean": mine[0], "std": mine[1] or 0.0}
                b = None if theirs[0] is None else {"mean": theirs[0], "std": theirs[1] or 0.0}
            else:
                a = final["per_model"].get(name)
                b = (base or {}).get("per_model", {}).get(name)
            cells.append(
                f'<td class="num">{_acc(a)}</td><td class="num">{_acc(b)}</td>'
                f'<td class="num">{_gain(a and a["mean"], b and b["mean"])}</td>'
            )
        rows.append(f"<tr><th>{escape(name)}</th>{''.join(cells)}</tr>")
    notes = [
        f'<p class="note">{escape(r.label)}: {NO_BASELINE}</p>'
        for r in runs
        if r.final_evaluation is not None and r.baseline is None
    ]
    if not any(r.final_evaluation for r in runs):
        table = _missing(
            f"{NOT_EVALUATED}: no run has an evaluation (glad run, or glad distill --eval-every N)"
        )
    else:
        table = (
            f"<table><tr><th></th>{head}</tr><tr><th>test accuracy, %</th>{sub}</tr>{''.join(rows)}</table>"
        )
    return f'<section id="final-table"><h2>Final evaluation</h2>{table}{"".join(notes)}</section>'


def _class_name(run: RunData, label: int) -> str:
    return run.class_names[label] if label < len(run.class_names) else f"class {label}"


def grid_section(runs: list[RunData]) -> str:
    parts = []
    for run in runs:
        parts.append(f"<h3>{escape(run.label)} ({escape(run.dataset)})</h3>")
        if run.images01 is None or run.labels is None:
            parts.append(_missing(f"no images.safetensors (run status: {run.manifest.get('status', '?')})"))
            continue
        rows = []
        for label in run.labels.unique(sorted=True).tolist():
            images = run.images01[run.labels == label]
            cells = "".join(f"<td>{_img(png_bytes(im), _class_name(run, label))}</td>" for im in images)
            rows.append(f"<tr><th>{escape(_class_name(run, label))}</th>{cells}</tr>")
        parts.append(f'<table class="grid">{"".join(rows)}</table>')
    return f'<section id="grid"><h2>Distilled images (one row per class)</h2>{"".join(parts)}</section>'


def evolution_section(runs: list[RunData], frames: dict[str, list[tuple[int, bytes]]]) -> str:
    parts = []
    for run in runs:
        parts.append(f"<h3>{escape(run.label)}</h3>")
        shown = frames.get(run.label, [])
        if not shown:
            parts.append(_missing("no snapshots (distil with --snapshot-every N)"))
            continue
        figures = "".join(
            f"<figure>{_img(png, f'iteration {i}', 'frame')}<figcaption>iteration {i}</figcaption></figure>"
            for i, png in shown
        )
        parts.append(f'<div class="strip">{figures}</div>')
        if len(shown) < len(run.snapshots):
            parts.append(f'<p class="note">{len(shown)} of {len(run.snapshots)} snapshots, evenly spaced</p>')
    return f'<section id="evolution"><h2>Evolution (snapshots)</h2>{"".join(parts)}</section>'


def neighbours_section(runs: list[RunData], found: dict[str, Neighbours | str], limit: int) -> str:
    parts = []
    descriptions = {n.description for n in found.values() if isinstance(n, Neighbours)}
    parts.extend(f'<p class="note">Similarity: {escape(d)}.</p>' for d in sorted(descriptions))
    for run in runs:
        parts.append(f"<h3>{escape(run.label)} ({escape(run.dataset)})</h3>")
        result = found.get(run.label)
        if not isinstance(result, Neighbours) or run.images01 is None or run.labels is None:
            parts.append(_missing(f"nearest neighbours unavailable: {result or 'no images'}"))
            continue
        count = min(limit, run.images01.shape[0])
        k = result.indices.shape[1]
        head = "<tr><th>distilled</th>" + "".join(f"<th>nearest {j + 1}</th>" for j in range(k)) + "</tr>"
        rows = []
        for n in range(count):
            label = int(run.labels[n])
            cells = [
                f"<td>{_img(png_bytes(run.images01[n]), 'distilled')}{escape(_class_name(run, label))}</td>"
            ]
            for j in range(k):
                real_label = int(result.labels[n, j])
                match = "" if real_label == label else " (other class)"
                picture = _img(png_bytes(result.images01[n, j]), "real")
                similarity, index = float(result.similarity[n, j]), int(result.indices[n, j])
                cells.append(
                    f"<td>{picture}{escape(_class_name(run, real_label))}{match}<br>cos {similarity:.3f}"
                    f"<br>#{index}</td>"
                )
            rows.append(f"<tr>{''.join(cells)}</tr>")
        parts.append(f"<table>{head}{''.join(rows)}</table>")
        if count < run.images01.shape[0]:
            parts.append(f'<p class="note">the first {count} of {run.images01.shape[0]} images</p>')
    return (
        '<section id="neighbours"><h2>Nearest real training images</h2>'
        '<p class="note">How close each distilled image comes to copying a training image: a cosine near 1 '
        "means a near copy.</p>"
        f"{''.join(parts)}</section>"
    )


def page(runs: list[RunData], parts: PageParts, *, neighbour_limit: int) -> str:
    """The whole report as one HTML string."""
    datasets = sorted({r.dataset for r in runs})
    warning = (
        f'<p class="missing">These runs distil different datasets ({escape(", ".join(datasets))}); each is '
        "labelled with its dataset, and their accuracies are not comparable.</p>"
        if len(datasets) > 1
        else ""
    )
    not_evaluated = [f"{r.label}: {NOT_EVALUATED}" for r in runs if not r.evaluations]
    no_stats = [f"{r.label}: no stats.jsonl (run made before it was recorded)" for r in runs if not r.steps]
    title = "glad report: " + ", ".join(r.label for r in runs)
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="note">{escape(parts.generated_by)}</p>',
        warning,
        identity_section(runs),
        plot_section("loss", "Loss", parts.loss_png, "no loss recorded", []),
        plot_section(
            "accuracy",
            "Accuracy during distillation",
            parts.accuracy_png,
            f"{NOT_EVALUATED} (glad run, or glad distill --eval-every N)",
            not_evaluated if parts.accuracy_png is not None else [],
        ),
        final_table_section(runs),
        grid_section(runs),
        evolution_section(runs, parts.evolution),
        plot_section(
            "saturation",
            "Saturated pixels",
            parts.saturation_png,
            "no image statistics recorded (stats.jsonl)",
            no_stats if parts.saturation_png is not None else [],
        ),
        neighbours_section(runs, parts.neighbours, neighbour_limit),
    ]
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )

"""The quality benchmark's markdown: the accuracy table, the accuracy-vs-iterations curves, the target checks.

Input: records of quality_records.row_records (accuracies in percent, times in seconds).
"""

from __future__ import annotations

from quality_anchors import SOURCE
from quality_config import WHOLE
from quality_records import CROSS_ARCH

PIXEL_TOLERANCE = 2.0  # points: the target for pixel rows against their published values


def _time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    return f"{seconds // 60}m {seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _acc(record: dict | None) -> str:
    return "" if record is None else f"{record['accuracy_mean']:.2f} ± {record['accuracy_std']:.2f}"


def _rows(records: list[dict], order: list[str]) -> list[tuple[int | None, str, dict[str, dict]]]:
    """[(ipc, row, {model: record})] in table order: whole first, then by IPC and ``order``."""
    grouped: dict[tuple[int | None, str], dict[str, dict]] = {}
    for r in records:
        grouped.setdefault((r["ipc"], r["row"]), {})[r["model"]] = r
    rank = {name: i for i, name in enumerate(order)}

    def key(item):
        (ipc, row), _ = item
        return (row != WHOLE, ipc or 0, rank.get(row, len(rank)), row)

    return [(ipc, row, models) for (ipc, row), models in sorted(grouped.items(), key=key)]


def accuracy_table(records: list[dict], order: list[str]) -> list[str]:
    """One line per (IPC, row): settings, accuracy per architecture, cross-arch mean, published value, gap."""
    models = []
    for r in records:
        if r["model"] != CROSS_ARCH and r["model"] not in models:
            models.append(r["model"])
    head = [
        "IPC",
        "row",
        "generator",
        "layer",
        "init",
        "iterations",
        *models,
        CROSS_ARCH,
        "published",
        "gap",
        "distill",
        "eval",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for ipc, row, by_model in _rows(records, order):
        first = next(iter(by_model.values()))
        convnet = next((r for r in by_model.values() if r.get("published") is not None), None)
        eval_s = sum(r["eval_s"] or 0 for m, r in by_model.items() if m != CROSS_ARCH)
        iterations = f"{first['epochs']} epochs" if row == WHOLE else str(first["iterations"])
        if first.get("paper_iterations"):
            iterations += f" (paper {first['paper_iterations']})"
        cells = [
            "all" if ipc is None else str(ipc),
            first["label"],
            first["generator"] or "",
            "" if first["layer"] is None else str(first["layer"]),
            first["init"] or "",
            str(iterations),
            *(_acc(by_model.get(m)) for m in models),
            _acc(by_model.get(CROSS_ARCH)),
            "" if convnet is None else f"{convnet['published']:.1f} ({convnet['published_anchor']})",
            "" if convnet is None else f"{convnet['gap']:+.2f}",
            _time(None if first["distill_s"] is None else first["distill_s"] + (first["setup_s"] or 0.0)),
            _time(eval_s),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def curve_table(records: list[dict], order: list[str]) -> list[str]:
    """Accuracy at each periodic evaluation: one line per (IPC, row, model) that has a curve."""
    lines = []
    for ipc, _row, by_model in _rows(records, order):
        for model, r in by_model.items():
            if not r.get("curve"):
                continue
            p = r["curve"][0]
            points = ", ".join(f"{c['iteration']}: {c['mean']:.1f}" for c in r["curve"])
            lines.append(
                f"| {ipc} | {r['label']} | {model} ({p['seeds']} model, {p['epochs']} ep) | {points} |"
            )
    if not lines:
        return []
    return ["| IPC | row | evaluated with | iteration: accuracy |", "|---|---|---|---|", *lines]


def target_checks(records: list[dict]) -> list[str]:
    """The issue's targets, one line each: pixel rows within 2 points of the published value; GLaD rows at
    least the random-real row on every architecture and at least the pixel row (same method) on the cross-arch
    mean."""
    index = {(r["dataset"], r["ipc"], r["row"], r["model"]): r for r in records}
    lines = []
    for r in records:
        if r["generator"] == "pixel" and r.get("published") is not None and r["row"] != "random":
            ok = abs(r["gap"]) <= PIXEL_TOLERANCE
            lines.append(
                f"- IPC {r['ipc']} {r['label']} (ConvNet, {r['iterations']} iterations): "
                f"{r['accuracy_mean']:.2f} vs published {r['published']:.1f} ({r['gap']:+.2f}): "
                f"{'within' if ok else 'NOT within'} {PIXEL_TOLERANCE:g} points"
            )
    for r in records:
        if not r["row"].startswith("glad") or r["model"] == CROSS_ARCH:
            continue
        base = index.get((r["dataset"], r["ipc"], "random", r["model"]))
        if base is not None:
            diff = r["accuracy_mean"] - base["accuracy_mean"]
            lines.append(
                f"- IPC {r['ipc']} {r['label']} vs random real on {r['model']}: {r['accuracy_mean']:.2f} vs "
                f"{base['accuracy_mean']:.2f} ({diff:+.2f}): {'at least' if diff >= 0 else 'BELOW'}"
            )
    for r in records:
        if not r["row"].startswith("glad") or r["model"] != CROSS_ARCH or not r["method"]:
            continue
        pixel = index.get((r["dataset"], r["ipc"], f"pixel-{r['method']}", CROSS_ARCH))
        if pixel is not None:
            diff = r["accuracy_mean"] - pixel["accuracy_mean"]
            lines.append(
                f"- IPC {r['ipc']} {r['label']} vs {pixel['label']} on the cross-arch mean: "
                f"{r['accuracy_mean']:.2f} vs {pixel['accuracy_mean']:.2f} ({diff:+.2f}): "
                f"{'at least' if diff >= 0 else 'BELOW'}"
            )
    return lines


def markdown(dataset: str, date: str, records: list[dict], order: list[str], machine: dict) -> str:
    """The whole markdown report of one dataset's benchmark file."""
    evaluated = [r for r in records if r["model"] != CROSS_ARCH and r["row"] != WHOLE]
    seeds = sorted({r["num_models"] for r in evaluated})
    epochs = sorted({r["epochs"] for r in evaluated})
    parts = [
        f"## Quality: {dataset} ({date})",
        "",
        f"Test accuracy in %, mean ± std over {'/'.join(map(str, seeds)) or '?'} fresh model(s) per "
        f"architecture trained {'/'.join(map(str, epochs)) or '?'} epochs on the distilled set "
        "(glad-eval's protocol); "
        f"{CROSS_ARCH} = mean over every architecture but ConvNet (the distillation network). "
        "distill = set-up (generator, --init real inversion) + iterations, without the periodic evaluations; "
        "eval = the final evaluation, all models. "
        f"Published: {SOURCE} (none for mnist5k). Device: {machine.get('device', '?')}, "
        f"{machine.get('threads', '?')} threads ({machine.get('cpu_model', '')}).",
        "",
        *accuracy_table(records, order),
    ]
    curves = curve_table(records, order)
    if curves:
        parts += [
            "",
            "Accuracy vs distillation iterations (the periodic `--eval-every` evaluations):",
            "",
            *curves,
        ]
    checks = target_checks(records)
    if checks:
        parts += ["", "Targets:", "", *checks]
    return "\n".join(parts) + "\n"

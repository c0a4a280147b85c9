"""Quality benchmark records: one per (dataset, IPC, row, model), read back from the row's run directory.

A distilled row's directory is a `glad distill` run (manifest.json: config, timings, periodic evaluations)
with the final `glad-eval --out` in eval/results.json; the whole-dataset row has only eval/results.json. Both
hold row.json, written by the runner: the commands it ran and their wall times. Accuracies are in percent,
times in seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

from quality_anchors import anchor_name, published
from quality_config import WHOLE

CROSS_ARCH = "cross-arch"  # the pseudo-model of the cross-architecture mean (every model but the distill one)
ROW_LABELS = {
    WHOLE: "whole dataset",
    "random": "random real",
    "pixel-dm": "pixel DM",
    "pixel-dc": "pixel DC",
    "glad-dm": "GLaD DM",
    "glad-dc": "GLaD DC",
    "glad-dc-100": "GLaD DC (100 it.)",
}
RESULTS = Path("eval") / "results.json"
ROW_FILE = "row.json"


def row_label(row: str) -> str:
    """The table's name of a row (its config name when it has none)."""
    return ROW_LABELS.get(row, row)


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


def curve_points(manifest: dict) -> dict[str, list[dict]]:
    """{model: [{iteration, mean, std, seeds, epochs}, ...]}: a run's periodic evaluations, iteration order.

    The final `glad-eval` is not among them: these are the cheap `--eval-every` evaluations.
    """
    curves: dict[str, list[dict]] = {}
    for entry in manifest.get("metrics", []):
        epochs = entry.get("config", {}).get("epochs")
        for model, result in entry.get("per_model", {}).items():
            curves.setdefault(model, []).append(
                {
                    "iteration": entry["iteration"],
                    "mean": result["mean"],
                    "std": result["std"],
                    "seeds": len(result["accuracies"]),
                    "epochs": epochs,
                }
            )
    return curves


def row_records(
    run_dir: Path, dataset: str, ipc: int | None, row: str, paper_iterations: int | None = None
) -> list[dict]:
    """The records of a finished row (one per evaluated model, then the cross-arch mean); [] if unfinished.

    ``paper_iterations``: the source paper's iteration count, recorded beside the run's own."""
    results = _read_json(run_dir / RESULTS)
    if not results:
        return []
    manifest = _read_json(run_dir / "manifest.json")
    walls = _read_json(run_dir / ROW_FILE).get("wall_s", {})
    config = manifest.get("config", {})
    generator = config.get("generator", {})
    timings = manifest.get("timings", {})
    method = config.get("method") if row not in (WHOLE, "random") else None
    gen_name = "real" if row in (WHOLE, "random") else generator.get("name")
    anchor = anchor_name(row, config.get("method"), generator.get("name"), config.get("dsa_strategy"))
    eval_config = results.get("config", {})
    common = {
        "dataset": dataset,
        "ipc": ipc,
        "row": row,
        "label": row_label(row),
        "method": method,
        "generator": gen_name,
        "layer": generator.get("layer") if gen_name not in ("real", "pixel") else None,
        "init": generator.get("init") if row != WHOLE else None,
        "bound": manifest.get("bound") if row not in (WHOLE, "random") else None,
        "iterations": manifest.get("iterations_completed"),
        "paper_iterations": paper_iterations,
        "epochs": eval_config.get("epochs"),
        "num_images": results.get("num_images"),
        "distill_s": timings.get("distill_s"),
        "setup_s": timings.get("setup_s"),
        "curve_eval_s": timings.get("eval_s"),
        "wall_s": walls,
        "device": eval_config.get("device"),
        "run_dir": str(run_dir),
    }
    curves = curve_points(manifest)
    records = []
    for model, result in results["per_model"].items():
        value = published(dataset, anchor, ipc) if model == results.get("distill_model") else None
        records.append(
            {
                **common,
                "model": model,
                "accuracy_mean": result["mean"],
                "accuracy_std": result["std"],
                "accuracies": result["accuracies"],
                "num_models": len(result["accuracies"]),
                "eval_s": result["seconds"],
                "published": value,
                "published_anchor": anchor if value is not None else None,
                "gap": None if value is None else result["mean"] - value,
                "curve": curves.get(model, []),
            }
        )
    others = results.get("cross_arch_models") or []
    if results.get("cross_arch_mean") is not None:
        records.append(
            {
                **common,
                "model": CROSS_ARCH,
                "models": others,
                "accuracy_mean": results["cross_arch_mean"],
                "accuracy_std": results["cross_arch_std"],
                "num_models": sum(len(results["per_model"][m]["accuracies"]) for m in others),
                "eval_s": sum(results["per_model"][m]["seconds"] for m in others),
                "published": None,
                "published_anchor": None,
                "gap": None,
                "curve": [],
            }
        )
    return records


def record_key(record: dict) -> tuple:
    return (record["dataset"], record["ipc"] or 0, record["row"], record["model"])


def merge_records(old: list[dict], new: list[dict]) -> list[dict]:
    """``old`` with every record that ``new`` has for the same (dataset, IPC, row, model) replaced; sorted."""
    merged = {record_key(r): r for r in old} | {record_key(r): r for r in new}
    return [merged[key] for key in sorted(merged, key=lambda k: (k[1], k[0], k[2], k[3]))]

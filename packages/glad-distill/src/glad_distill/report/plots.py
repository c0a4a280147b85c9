"""The report's curves as PNG bytes (matplotlib, object API only: no pyplot state, no display needed).
Several runs overlay in one plot, one colour per run."""

from __future__ import annotations

import io
from dataclasses import dataclass

from .rundata import RunData

REPORT_EXTRA = 'matplotlib is not installed; install it with: pip install "glad-distill[report]"'
LINE_STYLES = ("-", "--", ":", "-.")


def require_matplotlib() -> None:
    """ModuleNotFoundError with the one-line install hint when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ModuleNotFoundError(REPORT_EXTRA) from None


@dataclass
class Series:
    """One line: x and y values (same length), its legend label, colour index and line style."""

    label: str
    x: list[float]
    y: list[float]
    colour: int = 0
    style: str = "-"


def line_plot(series: list[Series], *, title: str, xlabel: str, ylabel: str, log_y: bool = False) -> bytes:
    """A PNG (bytes) of the lines, 8 x 3.6 inches at 100 dpi."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 3.6), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    colours = [f"C{i % 10}" for i in range(max((s.colour for s in series), default=0) + 1)]
    for s in series:
        marker = "o" if len(s.x) <= 30 else None
        axes.plot(s.x, s.y, s.style, color=colours[s.colour], label=s.label, marker=marker, markersize=3)
    if log_y and all(v > 0 for s in series for v in s.y):
        axes.set_yscale("log")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set(title=title, xlabel=xlabel, ylabel=ylabel)
    axes.grid(alpha=0.3)
    if series:
        axes.legend(fontsize="small", loc="best")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def loss_plot(runs: list[RunData]) -> bytes | None:
    series = [
        Series(r.label, [i for i, _ in r.loss], [v for _, v in r.loss], k)
        for k, r in enumerate(runs)
        if r.loss
    ]
    if not series:
        return None
    return line_plot(series, title="distillation loss", xlabel="iteration", ylabel="loss", log_y=True)


def accuracy_plot(runs: list[RunData]) -> bytes | None:
    """Mean test accuracy against iterations, one line style per architecture, one colour per run; the
    cross-architecture mean in black-edged thick lines. None when no run was evaluated."""
    series = []
    for k, run in enumerate(runs):
        if not run.evaluations:
            continue
        iterations = [e["iteration"] for e in run.evaluations]
        names = list(run.evaluations[-1]["per_model"])
        for j, name in enumerate(names):
            points = [
                (e["iteration"], e["per_model"][name]["mean"])
                for e in run.evaluations
                if name in e["per_model"]
            ]
            series.append(
                Series(
                    f"{run.label}: {name}",
                    [p[0] for p in points],
                    [p[1] for p in points],
                    k,
                    LINE_STYLES[j % len(LINE_STYLES)],
                )
            )
        cross = [e.get("cross_arch_mean") for e in run.evaluations]
        if any(c is not None for c in cross):
            xs = [i for i, c in zip(iterations, cross, strict=True) if c is not None]
            ys = [c for c in cross if c is not None]
            series.append(Series(f"{run.label}: cross-arch mean", xs, ys, k, "-"))
    if not series:
        return None
    return line_plot(series, title="test accuracy", xlabel="iteration", ylabel="accuracy (%)")


def saturation_plot(runs: list[RunData]) -> bytes | None:
    """Share of saturated pixels (<= 1/255 or >= 254/255) against iterations; None without stats.jsonl."""
    series = [
        Series(
            r.label,
            [s["iteration"] for s in r.steps],
            [100.0 * s["saturated_fraction"] for s in r.steps],
            k,
        )
        for k, r in enumerate(runs)
        if r.steps
    ]
    if not series:
        return None
    return line_plot(
        series, title="saturated pixels (<= 1/255 or >= 254/255)", xlabel="iteration", ylabel="share (%)"
    )

"""The baseline a user would pick instead of distilling: random real images, evaluated the same way.

`random_real_images` draws, for each synthetic image, a distinct random training image of its class from the
run's initialisation stream: the images of `--generator pixel --init real --iterations 0`, which are also the
images `--init real` starts the latents from. `comparison_table` prints distilled vs baseline and the gain.
"""

from __future__ import annotations

import torch
from glad_eval.seeding import StepSeeds

from .inversion import real_targets

INIT_STREAM = 7  # StepSeeds(seed).stream(INIT_STREAM): the run's initial latents and its real images
BASELINE_NAME = "random-real"


def random_real_images(dataset, labels: torch.Tensor, seed: int) -> torch.Tensor:
    """float32 [N, C, R, R] in [0, 1]: a random real training image of each label's class (CPU)."""
    return real_targets(dataset, labels, generator=StepSeeds(seed).stream(INIT_STREAM))


def comparison_table(distilled: dict, baseline: dict) -> str:
    """Per architecture and for the cross-architecture mean: distilled, random real, gain (points).

    `distilled` and `baseline` are glad_eval EvalReport.to_dict() results of the same evaluation settings."""
    lines = [f"{'architecture':<14}{'distilled':>12}{'random real':>14}{'gain':>9}"]
    for name, result in distilled["per_model"].items():
        base = baseline["per_model"][name]["mean"]
        star = "*" if name == distilled["distill_model"] else ""
        lines.append(f"{name + star:<14}{result['mean']:>12.2f}{base:>14.2f}{result['mean'] - base:>+9.2f}")
    if distilled["cross_arch_mean"] is not None:
        mean, base = distilled["cross_arch_mean"], baseline["cross_arch_mean"]
        lines.append(f"{'cross-arch':<14}{mean:>12.2f}{base:>14.2f}{mean - base:>+9.2f}")
    return "\n".join(lines)

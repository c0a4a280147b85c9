"""Published accuracies the quality benchmark compares against (ConvNet, test accuracy in percent).

Source: Zhao & Bilen, "Dataset Condensation with Differentiable Siamese Augmentation", ICML 2021 (the DSA
paper), Table 1, Fashion-MNIST, ConvNet: whole dataset, random real images, DC (gradient matching, no
augmentation while distilling) and DSA (DC with differentiable siamese augmentation while distilling, the
setting of this project's pixel DC rows unless --dsa none). The DM paper reports no Fashion-MNIST numbers, and
mnist5k (5,000 MNIST digits) has no published numbers at all: those cells stay empty.
"""

from __future__ import annotations

SOURCE = (
    "Zhao & Bilen, Dataset Condensation with Differentiable Siamese Augmentation (ICML 2021), Table 1, "
    "ConvNet"
)

# dataset -> anchor name -> IPC (None: independent of the IPC) -> accuracy in percent
PUBLISHED: dict[str, dict[str, dict[int | None, float]]] = {
    "fashion-mnist": {
        "whole": {None: 93.5},
        "random": {1: 51.4, 10: 73.8},
        "DC": {1: 70.5, 10: 82.3},
        "DSA": {1: 70.6, 10: 84.6},
    },
}


def anchor_name(row: str, method: str | None, generator: str | None, dsa_strategy: str | None) -> str | None:
    """The published method a row reproduces, or None (GLaD rows, pixel DM: nothing published to match).

    ``whole`` -> "whole"; 0-iteration pixel rows initialised from real images ("random") -> "random"; pixel DC
    -> "DSA" when it distils with augmentation, else "DC".
    """
    if row == "whole":
        return "whole"
    if row == "random":
        return "random"
    if generator == "pixel" and method == "dc":
        return "DC" if (dsa_strategy or "none") == "none" else "DSA"
    return None


def published(dataset: str, anchor: str | None, ipc: int | None) -> float | None:
    """The published ConvNet accuracy (percent) of ``anchor`` on ``dataset`` at ``ipc``, or None."""
    if anchor is None:
        return None
    values = PUBLISHED.get(dataset, {}).get(anchor, {})
    return values.get(None, values.get(ipc))

"""Run checkpoints: everything needed to continue bit for bit (on the CPU) where the run stopped.

checkpoint.pt holds: the completed iteration count, the full config (DistillConfig.to_dict(); the source of
truth for --resume, see run_dir.py), the float32 latents, the latent optimiser's state, the
objective's state (MTT: syn_lr and its optimiser), the run's torch.Generator state and the loss history.
Written atomically, so an interrupted or NaN-stopped run always keeps its last good checkpoint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from glad_eval.fileio import atomic_write_with

CHECKPOINT_FILE = "checkpoint.pt"


def save_checkpoint(run_dir: str | Path, state: dict[str, Any]) -> Path:
    state = {**state, "latents": [t.detach().cpu() for t in state["latents"]]}
    return atomic_write_with(Path(run_dir) / CHECKPOINT_FILE, lambda tmp: torch.save(state, tmp))


def load_checkpoint(run_dir: str | Path) -> dict[str, Any]:
    path = Path(run_dir) / CHECKPOINT_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"--resume: no {CHECKPOINT_FILE} in {run_dir}; nothing to resume (start the run afresh, without "
            "--resume)"
        )
    return torch.load(path, map_location="cpu", weights_only=True)

"""Expert trajectories for MTT (`glad buffers`): training, storage with metadata, and the student check.

A buffer directory holds `buffers.json` (what the experts are: dataset, resolution, channels, architecture,
depth, width, norm, epochs, lr, ..., and the (name, shape) of every parameter in flat order) and one
`expert_XXXX.safetensors` per expert with "trajectory" float32 [epochs + 1, P]: the flat parameters at the
start and after every epoch. `glad distill --method mtt` refuses buffers whose metadata do not match its
student (the official code silently mixed depth-3 BatchNorm experts with depth-5 InstanceNorm students).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from glad_eval.data import load_dataset
from glad_eval.errors import OutputError
from glad_eval.fileio import atomic_write_json, atomic_write_with, ensure_directory
from glad_eval.images import uint8_to_images01
from glad_eval.protocol.config import check_device
from glad_eval.seeding import StepSeeds
from glad_eval.training import EpochEnd, TrainSettings, fit
from safetensors import safe_open
from safetensors.torch import save_file
from tqdm.auto import tqdm

from .config import BufferConfig, NetConfig
from .networks import flatten_parameters, network_skeleton, parameter_layout, random_network

BUFFER_FORMAT = "glad-expert-buffers/1"
METADATA_FILE = "buffers.json"

# Fields that must agree between the experts and the MTT student.
STUDENT_FIELDS = (
    "dataset",
    "resolution",
    "channels",
    "num_classes",
    "architecture",
    "depth",
    "width",
    "norm",
    "act",
    "pooling",
    "parameters",
)


def student_description(dataset, net: NetConfig) -> dict[str, Any]:
    """What the experts must match: the dataset, the network and its flat parameter layout."""
    skeleton = network_skeleton(
        net, num_classes=dataset.num_classes, channels=dataset.channels, image_size=dataset.image_size
    )
    return {
        "dataset": dataset.name,
        "resolution": dataset.image_size,
        "channels": dataset.channels,
        "num_classes": dataset.num_classes,
        "architecture": net.architecture,
        "depth": getattr(skeleton, "depth", net.depth),
        "width": net.width,
        "norm": net.norm,
        "act": net.act,
        "pooling": net.pooling,
        "parameters": [[name, list(shape)] for name, shape in parameter_layout(skeleton)],
    }


@dataclass
class ExpertBuffers:
    """Opened buffer directory. `metadata` is buffers.json; trajectories are read lazily, two epochs at a
    time."""

    root: Path
    metadata: dict[str, Any]

    @classmethod
    def open(cls, root: str | Path) -> ExpertBuffers:
        root = Path(root)
        path = root / METADATA_FILE
        if not path.is_file():
            raise ValueError(
                f"buffers: no {METADATA_FILE} in {root}; create expert trajectories with "
                f"`glad buffers --out {root}`"
            )
        metadata = json.loads(path.read_text())
        if metadata.get("format") != BUFFER_FORMAT:
            raise ValueError(
                f"buffers: {path} has format {metadata.get('format')!r}, expected {BUFFER_FORMAT!r}"
            )
        if not metadata.get("files"):
            raise ValueError(
                f"buffers: {path} lists no expert files; the buffer run wrote no complete expert"
            )
        return cls(root, metadata)

    @property
    def num_experts(self) -> int:
        return len(self.metadata["files"])

    @property
    def epochs(self) -> int:
        return int(self.metadata["epochs"])

    def check_student(self, expected: dict[str, Any], *, expert_epochs: int, max_start_epoch: int) -> None:
        """ValueError naming every field where the experts differ from the student, or too short
        trajectories."""
        mismatches = [
            f"{key}: buffers have {_short(self.metadata.get(key))}, the student has {_short(expected[key])}"
            for key in STUDENT_FIELDS
            if self.metadata.get(key) != expected[key]
        ]
        if mismatches:
            raise ValueError(
                f"expert buffers in {self.root} do not match the MTT student ({'; '.join(mismatches)}); "
                "train "
                "matching experts with `glad buffers` using the same dataset and --net-* options"
            )
        if max_start_epoch + expert_epochs > self.epochs:
            raise ValueError(
                f"mtt.max_start_epoch ({max_start_epoch}) + mtt.expert_epochs ({expert_epochs}) exceeds the "
                f"{self.epochs} epochs stored in {self.root}; lower them or train longer experts"
            )

    def pair(self, expert: int, start: int, span: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(flat parameters after epoch `start`, after epoch `start + span`), float32 [P] on the CPU."""
        path = self.root / self.metadata["files"][expert]
        with safe_open(str(path), framework="pt") as handle:
            trajectory = handle.get_slice("trajectory")
            return trajectory[start].clone(), trajectory[start + span].clone()


def train_experts(
    config: BufferConfig, out_dir: str | Path, *, dataset=None, progress: bool = True
) -> ExpertBuffers:
    """Train `config.num_experts` networks on the real training set and store their trajectories in `out_dir`.

    SGD (lr `config.lr`, no momentum, no weight decay), batch `config.batch_size`, DSA on every batch (one
    parameter set per image), cross-entropy; each expert's initial weights and shuffling come from its own
    stream of `config.seed`. buffers.json is rewritten after every expert, so an interrupted run keeps the
    finished experts.
    """
    config.validate()
    check_device(config.device)  # DeviceUnavailableError before anything is written
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"--out {out_dir} is an existing file, not a directory; choose another --out")
    device = torch.device(config.device)
    dataset = dataset or load_dataset(config.dataset, **config.dataset_options(), progress=progress)
    description = student_description(dataset, config.net)
    ensure_directory(out_dir)
    settings = TrainSettings(
        epochs=config.epochs, batch_size=config.batch_size, lr=config.lr, dsa_strategy=config.dsa_strategy
    )

    def prepare(batch: torch.Tensor) -> torch.Tensor:  # uint8 on the CPU -> normalised on the device
        return dataset.normalize(uint8_to_images01(batch.to(device)))

    seeds = StepSeeds(config.seed)
    files: list[str] = []
    bar = tqdm(total=config.num_experts * config.epochs, desc="experts", disable=not progress, unit="epoch")
    for expert in range(config.num_experts):
        generator = seeds.stream(expert)  # the initial weights, then the shuffling and DSA
        net = random_network(
            config.net,
            num_classes=dataset.num_classes,
            channels=dataset.channels,
            image_size=dataset.image_size,
            generator=generator,
            device=device,
        )
        trajectory = [flatten_parameters(net).cpu()]

        def record(done: EpochEnd, trajectory: list[torch.Tensor] = trajectory, expert: int = expert) -> None:
            trajectory.append(flatten_parameters(done.model).cpu())
            bar.update(1)
            bar.set_postfix(expert=expert, loss=f"{done.mean_loss:.3f}")

        fit(
            net,
            dataset.train.images,
            dataset.train.labels,
            settings,
            generator=generator,
            prepare=prepare,
            on_epoch_end=record,
        )
        name = f"expert_{expert:04d}.safetensors"
        tensors = {"trajectory": torch.stack(trajectory).contiguous()}
        atomic_write_with(out_dir / name, lambda tmp, t=tensors: save_file(t, str(tmp)))
        files.append(name)
        metadata = {
            "format": BUFFER_FORMAT,
            **description,
            "epochs": config.epochs,
            "lr": config.lr,
            "momentum": 0.0,
            "batch_size": config.batch_size,
            "dsa_strategy": config.dsa_strategy,
            "seed": config.seed,
            "num_experts": len(files),
            "files": files,
            "config": config.to_dict(),
        }
        atomic_write_json(out_dir / METADATA_FILE, metadata)
    bar.close()
    return ExpertBuffers(out_dir, metadata)


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."

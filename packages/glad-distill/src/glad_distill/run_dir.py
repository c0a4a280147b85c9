"""The state of a run directory, decided before anything is written: empty, startable, or resumable.

`checkpoint.pt` is the source of truth: it is written atomically and holds the full config, so a directory
with a checkpoint is *resumable* (`--resume`), with or without `manifest.json` (rebuilt at the next
checkpoint). A directory without a checkpoint holds nothing complete and is *startable*: a fresh start clears
what an interrupted start left there (a manifest, temporary files) and says so. Temporary files
``.<name>.tmp-<pid>`` whose writing process is gone are removed whenever a run starts or resumes there (a live
pid's are left alone: another process may be writing).

States, for `--out D`:

=================================  =====================================  ================================
D holds                             fresh start                            --resume
=================================  =====================================  ================================
nothing / no such folder            starts                                 error: nothing to resume
stale temporaries and/or manifest   clears them (message), starts          error: nothing to resume
a manifest.json not written by us   error: choose another --out            error: nothing to resume
checkpoint.pt (+ anything)          error: already holds a run             continues from the checkpoint
D is a file                         error: not a directory                 error: not a directory
=================================  =====================================  ================================
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glad_eval.errors import OutputError
from glad_eval.fileio import stale_temporaries

from .checkpoint import CHECKPOINT_FILE, load_checkpoint
from .manifest import MANIFEST_FILE, RUN_FORMAT, read_manifest


class NothingToResumeError(FileNotFoundError):
    """`--resume` found no complete checkpoint; ``str()`` is the whole message."""


@dataclass
class RunDirectory:
    """What `open_run_dir` found: the checkpoint to continue from (None: a fresh start) and the leftovers a
    fresh start clears or any start removes."""

    path: Path
    checkpoint: dict[str, Any] | None = None
    leftovers: list[Path] = field(default_factory=list)

    def clear_leftovers(self, *, announce: bool = True) -> list[str]:
        """Remove the leftovers (rank 0 only); print what was cleared to stderr. Returns their names."""
        names = []
        for path in self.leftovers:
            path.unlink(missing_ok=True)
            names.append(path.name)
        if names and announce:
            what = "a stale temporary file" if self.checkpoint is not None else "an interrupted start"
            print(f"glad: cleared {what} from {self.path}: {', '.join(names)}", file=sys.stderr)
        self.leftovers = []
        return names


def check_is_directory(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise OutputError(f"--out {path} is an existing file, not a directory; choose another --out")


def open_run_dir(path: str | Path, config_dict: dict[str, Any], *, resume: bool) -> RunDirectory:
    """Decide what `path` is for a run with config `config_dict` (DistillConfig.to_dict()); nothing is
    written. Raises OutputError (a run is there, or a file), NothingToResumeError, ValueError (--resume
    with a changed config)."""
    path = Path(path)
    check_is_directory(path)
    has_checkpoint = (path / CHECKPOINT_FILE).is_file()
    stale = stale_temporaries(path)
    if not resume:
        if has_checkpoint:
            raise OutputError(
                f"--out {path} already holds a run ({CHECKPOINT_FILE}); pass --resume to continue it or "
                "choose another --out"
            )
        manifest = [path / MANIFEST_FILE] if (path / MANIFEST_FILE).is_file() else []
        if manifest and not _is_run_manifest(manifest[0]):
            raise OutputError(
                f"--out {path} holds a {MANIFEST_FILE} that is not a glad-distill run's; choose another --out"
            )
        return RunDirectory(path, None, manifest + stale)
    if not has_checkpoint:
        raise NothingToResumeError(_nothing_to_resume(path, stale))
    checkpoint = load_checkpoint(path)
    stored = checkpoint.get("config") or read_manifest(path)["config"]
    changed = config_differences(stored, config_dict, RESUMABLE_OVERRIDES)
    if changed:
        raise ValueError(
            f"--resume: the config differs from the run in {path} in {', '.join(changed)}; only "
            f"{', '.join(RESUMABLE_OVERRIDES)} may change when resuming"
        )
    return RunDirectory(path, checkpoint, stale)


# Config fields a resumed run may change (they do not alter the optimisation).
RESUMABLE_OVERRIDES = (
    "iterations",
    "eval_every",
    "checkpoint_every",
    "eval",
    "device",
    "log",
    "snapshot_every",
)


def config_differences(
    stored: dict[str, Any], current: dict[str, Any], allowed: tuple[str, ...]
) -> list[str]:
    """Dotted names of the fields of `stored` whose values differ in `current` (a key absent from a stored
    section, e.g. a generator setting the manifest leaves out, is not compared)."""
    changed = []
    for key, value in stored.items():
        if key in allowed or key not in current:
            continue
        if isinstance(value, dict) and isinstance(current[key], dict):
            changed += [f"{key}.{k}" for k in config_differences(value, current[key], ())]
        elif value != current[key]:
            changed.append(key)
    return changed


def resume_config(path: str | Path) -> dict[str, Any]:
    """The stored config of the run in `path` (from its checkpoint, else its manifest)."""
    path = Path(path)
    check_is_directory(path)
    if not (path / CHECKPOINT_FILE).is_file():
        raise NothingToResumeError(_nothing_to_resume(path, stale_temporaries(path)))
    config = load_checkpoint(path).get("config")
    return config if config is not None else read_manifest(path)["config"]


def _is_run_manifest(path: Path) -> bool:
    try:
        return json.loads(path.read_text()).get("format") == RUN_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def _nothing_to_resume(path: Path, stale: list[Path]) -> str:
    if not path.exists():
        found = "the folder does not exist"
    elif stale or (path / MANIFEST_FILE).is_file():
        found = "only an interrupted start's files"
    else:
        found = "no run"
    return (
        f"--resume: nothing to resume in {path} (no complete {CHECKPOINT_FILE}; {found}); start the run "
        "afresh: the same command without --resume"
    )

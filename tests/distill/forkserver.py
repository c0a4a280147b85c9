"""Run several `glad` command lines as real, separate processes without paying torch's import each time.

Usage: python forkserver.py JOBS.json, a list of {"argv": [...], "env": {...}, "log": PATH}. This process
imports glad_distill and parses mnist5k once (single-threaded torch, so forking is safe), then forks one child
per job, in order: the child sets `env`, sends stdout/stderr to `log` and exits with glad's exit code. Prints
one JSON list: per job {"exit": code or None, "signal": number or None}.
"""

from __future__ import annotations

import json
import os
import sys
import traceback

import torch

torch.set_num_threads(1)  # no OpenMP pool in the parent: forked children stay safe

from glad_distill.cli import main  # noqa: E402
from glad_eval.data.mnist5k import read_digits  # noqa: E402

read_digits()  # parsed once, inherited by every child


def run(job: dict) -> dict:
    pid = os.fork()
    if pid == 0:  # the child: one `glad` process
        code = 1
        try:
            os.environ.update(job.get("env", {}))
            log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            code = main(job["argv"])
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return {"exit": None, "signal": os.WTERMSIG(status)}
    return {"exit": os.WEXITSTATUS(status), "signal": None}


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        jobs = json.load(handle)
    print(json.dumps([run(job) for job in jobs]))

"""results layer: provenance recorded without being asked (STYLE 12): file hashes and the git commit of the
checkout that ran."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

GIT_TIMEOUT_S = 10.0
_READ_BYTES = 1 << 20
# variables that would point git at another repository than the directory asked about
_GIT_REDIRECTS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        while chunk := f.read(_READ_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def git_commit(directory: Path) -> str | None:
    """HEAD of the git checkout holding `directory`, with `-dirty` when tracked files differ from HEAD or
    untracked, not ignored files exist (either can change what ran); None outside a git checkout, in a
    repository without commits, or without git."""
    head = _git(directory, "rev-parse", "--verify", "HEAD")
    if head is None:
        return None
    status = _git(directory, "status", "--porcelain", "--untracked-files=normal")
    if status is None:
        return None
    return f"{head}-dirty" if status else head


def _git(directory: Path, *args: str) -> str | None:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_REDIRECTS}
    # git status would otherwise refresh the index and take its lock, racing a commit made meanwhile
    env["GIT_OPTIONAL_LOCKS"] = "0"
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None

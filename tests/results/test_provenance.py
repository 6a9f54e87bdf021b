"""Tests of harness.results.provenance: file hashes and git commits of a checkout (in temporary repos)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.results.provenance import file_sha256, git_commit

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    # isolated from the user's configuration (hooks, signing) so the test repo behaves the same everywhere
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=True,
    )
    return done.stdout.strip()


def make_repo(path: Path) -> str:
    path.mkdir()
    git(path, "init", "-q")
    (path / "a.txt").write_text("one\n")
    git(path, "add", "a.txt")
    git(path, "commit", "-q", "-m", "first")
    return git(path, "rev-parse", "HEAD")


def test_file_sha256_matches_hashlib(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    data = os.urandom(3 * (1 << 20) + 7)  # crosses the read-chunk boundary
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()


@needs_git
def test_clean_checkout_gives_head(tmp_path: Path) -> None:
    head = make_repo(tmp_path / "repo")
    assert git_commit(tmp_path / "repo") == head
    (tmp_path / "repo" / "sub").mkdir()
    assert git_commit(tmp_path / "repo" / "sub") == head


@needs_git
def test_modified_tracked_file_makes_it_dirty(tmp_path: Path) -> None:
    head = make_repo(tmp_path / "repo")
    (tmp_path / "repo" / "a.txt").write_text("two\n")
    assert git_commit(tmp_path / "repo") == f"{head}-dirty"


@needs_git
def test_untracked_file_makes_it_dirty_unless_ignored(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    head = make_repo(repo)
    (repo / ".gitignore").write_text("results/\n")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-q", "-m", "ignore")
    head = git(repo, "rev-parse", "HEAD")
    (repo / "results").mkdir()
    (repo / "results" / "run.json").write_text("{}")
    assert git_commit(repo) == head
    (repo / "new.py").write_text("")
    assert git_commit(repo) == f"{head}-dirty"


@needs_git
def test_outside_a_checkout_or_without_commits_is_none(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    assert git_commit(tmp_path / "plain") is None
    (tmp_path / "empty").mkdir()
    git(tmp_path / "empty", "init", "-q")
    assert git_commit(tmp_path / "empty") is None
    assert git_commit(tmp_path / "does-not-exist") is None


@needs_git
def test_git_dir_in_the_environment_does_not_redirect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = make_repo(tmp_path / "repo")
    make_repo(tmp_path / "other")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "other" / ".git"))
    assert git_commit(tmp_path / "repo") == head


def test_without_git_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert git_commit(tmp_path) is None

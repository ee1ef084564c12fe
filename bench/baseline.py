"""An earlier revision beside today's code, for benchmarks that measure both in one run: a
throwaway git worktree of that revision, with the untracked files a run needs linked in."""

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Installed by `make setup`, not committed: plotly.js's bundle and ESLint.
UNTRACKED_NEEDS = (".cache", "node_modules")


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    """A checkout of ``revision``, removed afterwards; the same virtual environment runs it."""
    path = Path(tempfile.mkdtemp(prefix="bench-baseline-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", "--force", str(path), revision],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    for name in UNTRACKED_NEEDS:
        if (ROOT / name).exists():
            (path / name).symlink_to(ROOT / name)
    try:
        yield path
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, capture_output=True
        )
        shutil.rmtree(path, ignore_errors=True)

"""What the benchmarks share: manage.py in a tree, and an earlier revision beside today's code
(a throwaway git worktree of it, with the untracked files a run needs linked in) for the ones
that measure both in one run."""

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# Installed by `make setup`, not committed: plotly.js's bundle and ESLint.
UNTRACKED_NEEDS = (".cache", "node_modules")


def manage(env: dict, *args: str, root: Path = ROOT) -> str:
    """``manage.py args`` in ``root`` (this tree, or a baseline's); its output, or exit."""
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=root, env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


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

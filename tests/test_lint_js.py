"""The site's scripts (static/js, static/admin/js) pass ESLint, as eslint.config.js sets it up."""

import shutil
import subprocess
from pathlib import Path

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]
ESLINT = ROOT / "node_modules" / ".bin" / "eslint"  # from package.json, by `make setup`


def test_the_scripts_pass_eslint():
    require(
        ESLINT.exists() and shutil.which("node") is not None,
        "eslint not installed (make setup installs it from npm)",
    )
    # No warnings either: a file the config ignores by mistake is reported as a warning.
    result = subprocess.run(
        [str(ESLINT), "--max-warnings=0", "static/js/", "static/admin/js/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr

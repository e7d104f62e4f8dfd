"""The layers hold: apps point down (agencies -> tasks -> reporting) and so do the rooms of reporting
(contracts in pyproject.toml, [tool.importlinter]). A new upward import fails here, in `make test`."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout

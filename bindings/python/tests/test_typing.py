"""The package's type hints pass ``mypy --strict`` (mypy is installed by ``make python-test``,
pinned like pytest; the test fails, never skips, when it is missing)."""

from __future__ import annotations

from pathlib import Path

import mypy.api


def test_mypy_strict_clean() -> None:
    pkg = Path(__file__).resolve().parents[1] / "lfe"
    out, err, rc = mypy.api.run([str(pkg), "--strict", "--no-error-summary",
                                 "--cache-dir", "/dev/null"])
    assert rc == 0, out + err

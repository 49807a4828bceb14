"""tests/spark runs only when named on the command line (`make test-spark`, or `pytest
tests/spark`): it needs pyspark (the `spark` extra) and Java, and takes most of a minute. The
default run neither collects it nor reports it as skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _names_this_directory(arg: str, config: pytest.Config) -> bool:
    path = (config.invocation_params.dir / arg.split("::")[0]).resolve()
    return path == HERE or HERE in path.parents


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if any(_names_this_directory(arg, config) for arg in config.args):
        return None  # the other hooks decide, as for any test
    return True

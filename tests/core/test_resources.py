from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from specify.resources import skills_dir, templates_dir

REPO = Path(__file__).resolve().parents[2]
PROBE = "from specify.resources import templates_dir, skills_dir; print(templates_dir()); print(skills_dir())"


def test_source_tree_locates_bundled() -> None:
    assert templates_dir() == REPO / "templates"
    assert skills_dir() == REPO / "skills"


@pytest.fixture(scope="module")
def unpacked_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=REPO, check=True, capture_output=True,
    )
    wheel = next(out.glob("*.whl"))
    target = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def test_wheel_locates_bundled(unpacked_wheel: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(unpacked_wheel)!r}); {PROBE}"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )
    templates, skills = (Path(line) for line in result.stdout.split())
    assert templates == unpacked_wheel / "specify" / "_bundled" / "templates"
    assert skills == unpacked_wheel / "specify" / "_bundled" / "skills"


def test_wheel_carries_template_files(unpacked_wheel: Path) -> None:
    bundled = unpacked_wheel / "specify" / "_bundled"
    source_files = sorted(p.relative_to(REPO) for p in (REPO / "templates").rglob("*") if p.is_file())
    wheel_files = sorted(Path("templates") / p.relative_to(bundled / "templates")
                         for p in (bundled / "templates").rglob("*") if p.is_file())
    assert wheel_files == source_files

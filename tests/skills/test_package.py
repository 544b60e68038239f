"""Packaging to .skill archives, installing them, and the new-skill scaffold."""

from __future__ import annotations

import os
import stat
import zipfile

import pytest

from runtime.skills.model import SkillError
from runtime.skills.package import install_skill, package_skill
from runtime.skills.scaffold import create_skill
from runtime.skills.validate import validate_skill
from tests.skills.conftest import find, write_skill


def build_messy_skill(tmp_path):
    (tmp_path / "outside.txt").write_text("secret")
    folder = write_skill(tmp_path / "src", "messy")
    for relative in (".git/config", ".env", "__pycache__/x.pyc", "node_modules/a/index.js",
                     "scripts/run.py", "scripts/__pycache__/run.cpython-311.pyc", "keys/id_rsa"):
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("data")
    os.chmod(folder / "scripts" / "run.py", 0o755)
    os.symlink(tmp_path / "outside.txt", folder / "escape.txt")
    os.symlink(folder / "scripts" / "run.py", folder / "alias.py")
    return folder


def test_package_keeps_only_shippable(tmp_path):
    folder = build_messy_skill(tmp_path)
    result = package_skill(folder, tmp_path / "messy.skill")
    names = zipfile.ZipFile(result.archive).namelist()
    assert names == ["messy/SKILL.md", "messy/alias.py", "messy/scripts/run.py"]


def test_package_reports_exclusions(tmp_path):
    result = package_skill(build_messy_skill(tmp_path), tmp_path / "messy.skill")
    excluded = dict(result.excluded)
    assert set(excluded) == {".git/", ".env", "__pycache__/", "node_modules/", "scripts/__pycache__/",
                             "keys/id_rsa", "escape.txt"}
    assert "outside the skill folder" in excluded["escape.txt"]


def test_package_never_archives_outside_bytes(tmp_path):
    result = package_skill(build_messy_skill(tmp_path), tmp_path / "messy.skill")
    with zipfile.ZipFile(result.archive) as archive:
        assert all(b"secret" not in archive.read(name) for name in archive.namelist())


def test_package_keeps_executable_bit(tmp_path):
    result = package_skill(build_messy_skill(tmp_path), tmp_path / "messy.skill")
    info = zipfile.ZipFile(result.archive).getinfo("messy/scripts/run.py")
    assert (info.external_attr >> 16) & 0o111


def test_package_is_reproducible(tmp_path):
    folder = write_skill(tmp_path, "same")
    first = package_skill(folder, tmp_path / "a.skill").archive.read_bytes()
    assert package_skill(folder, tmp_path / "b.skill").archive.read_bytes() == first


def test_package_validates_first(tmp_path):
    folder = write_skill(tmp_path, "folder", name="other")
    with pytest.raises(SkillError, match="not a valid skill"):
        package_skill(folder, tmp_path / "x.skill")
    assert not (tmp_path / "x.skill").exists()


def test_package_refuses_overwrite(tmp_path):
    folder = write_skill(tmp_path, "one")
    (tmp_path / "one.skill").write_text("keep")
    with pytest.raises(SkillError, match="already exists"):
        package_skill(folder, tmp_path / "one.skill")
    assert (tmp_path / "one.skill").read_text() == "keep"


def test_package_size_cap(tmp_path, monkeypatch):
    from runtime.skills import package

    monkeypatch.setattr(package, "MAX_TOTAL_BYTES", 1000)
    folder = write_skill(tmp_path, "big")
    (folder / "assets").mkdir()
    (folder / "assets" / "blob.bin").write_bytes(b"x" * 2000)
    with pytest.raises(SkillError, match="more than"):
        package_skill(folder, tmp_path / "big.skill")


def test_install_round_trip(tmp_path):
    archive = package_skill(write_skill(tmp_path / "src", "tool"), tmp_path / "tool.skill").archive
    installed = install_skill(archive, tmp_path / "target")
    assert installed == tmp_path / "target" / "tool"
    assert list(find(extra=[tmp_path / "target"]).skills) == ["tool"]
    assert [p.name for p in (tmp_path / "target").iterdir()] == ["tool"]


def make_zip(path, entries):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return path


GOOD_MD = "---\nname: evil\ndescription: ok\n---\n"


@pytest.mark.parametrize("bad_entry", ["evil/../../escape.txt", "/abs/escape.txt", "other/x.txt",
                                       "evil\\..\\..\\escape.txt", "C:/escape.txt"])
def test_install_rejects_escaping_entries(tmp_path, bad_entry):
    archive = make_zip(tmp_path / "evil.skill", [("evil/SKILL.md", GOOD_MD), (bad_entry, "x")])
    with pytest.raises(SkillError):
        install_skill(archive, tmp_path / "target")
    assert not (tmp_path / "escape.txt").exists()
    assert not (tmp_path / "target" / "evil").exists()


def test_install_rejects_symlink_entry(tmp_path):
    archive = tmp_path / "link.skill"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("evil/SKILL.md", GOOD_MD)
        info = zipfile.ZipInfo("evil/link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        out.writestr(info, "/etc/passwd")
    with pytest.raises(SkillError, match="symlink"):
        install_skill(archive, tmp_path / "target")


def test_install_refuses_existing(tmp_path):
    archive = package_skill(write_skill(tmp_path / "src", "tool"), tmp_path / "tool.skill").archive
    install_skill(archive, tmp_path / "target")
    with pytest.raises(SkillError, match="already exists"):
        install_skill(archive, tmp_path / "target")


def test_install_from_folder_excludes_secrets(tmp_path):
    folder = write_skill(tmp_path / "src", "tool")
    (folder / ".env").write_text("TOKEN=1")
    installed = install_skill(folder, tmp_path / "target")
    assert sorted(p.name for p in installed.iterdir()) == ["SKILL.md"]


def test_install_rejects_unloadable(tmp_path):
    archive = make_zip(tmp_path / "bad.skill", [("bad/SKILL.md", "---\nname: bad\n---\n")])
    with pytest.raises(SkillError, match="does not load"):
        install_skill(archive, tmp_path / "target")


def test_scaffold_placeholder_fails_validation(tmp_path):
    created = create_skill("pdf-tools", tmp_path, ["scripts,references", "assets"])
    report = validate_skill(created.folder)
    assert [d.code for d in report.errors] == ["description-placeholder"]
    assert report.warnings == []
    assert os.access(created.folder / "scripts" / "example.py", os.X_OK)


def test_scaffold_quotes_tricky_description(tmp_path):
    description = "Cleans CSV: merges files, keeps # comments and 'quotes'"
    created = create_skill("csv-tools", tmp_path, [], description)
    assert validate_skill(created.folder).valid
    assert find(extra=[tmp_path]).get("csv-tools").description == description


def test_scaffold_folds_long_description(tmp_path):
    description = " ".join(["word"] * 60)
    created = create_skill("long-one", tmp_path, [], description)
    assert "description: >-" in (created.folder / "SKILL.md").read_text()
    assert find(extra=[tmp_path]).get("long-one").description == description


@pytest.mark.parametrize("name", ["Bad", "a--b", "x" * 65, ""])
def test_scaffold_checks_name_first(tmp_path, name):
    with pytest.raises(SkillError, match="invalid skill name"):
        create_skill(name, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_scaffold_refuses_overwrite(tmp_path):
    create_skill("twice", tmp_path, [], "Does a thing.")
    with pytest.raises(SkillError, match="already exists"):
        create_skill("twice", tmp_path)


def test_scaffold_rejects_unknown_folder(tmp_path):
    with pytest.raises(SkillError, match="unknown resource folder"):
        create_skill("x", tmp_path, ["scripts,docs"])


def test_install_rejects_root_level_files(tmp_path):
    archive = make_zip(tmp_path / "flat.skill", [("SKILL.md", GOOD_MD)])
    with pytest.raises(SkillError, match="not inside a folder"):
        install_skill(archive, tmp_path / "target")


def test_error_sentence_ends_before_hint(tmp_path):
    archive = make_zip(tmp_path / "flat.skill", [("evil/SKILL.md", GOOD_MD), ("evil/../x", "x")])
    with pytest.raises(SkillError) as caught:
        install_skill(archive, tmp_path / "target")
    assert "install folder. Only install" in str(caught.value)


def test_scaffold_blocked_by_file(tmp_path):
    (tmp_path / "skills").write_text("notes")
    with pytest.raises(SkillError, match="is a file"):
        create_skill("tool", tmp_path / "skills")
    assert (tmp_path / "skills").read_text() == "notes"


def test_install_folder_without_skill_md(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SkillError, match="has no SKILL.md"):
        install_skill(tmp_path / "empty", tmp_path / "target")

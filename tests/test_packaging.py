"""Every folder with an __init__.py must be listed in pyproject's `packages` (DESIGN.md §1):
a missing one imports in an editable install but is absent from the wheel."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {"boardzoo.envs": "envs", "boardzoo.agents": "agents", "boardzoo.wrappers": "wrappers"}


def test_packages_list_matches_folders_with_init():
    # ... plus the pretrained agents' data folders, each shipping its files.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"] == MAPPED
    found = set()
    for package, folder in MAPPED.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join([package, *relative]))
    pretrained = ROOT / "agents" / "pretrained"
    agents = {f"boardzoo.agents.pretrained.{path.name}" for path in pretrained.iterdir() if path.is_dir()}
    assert set(config["packages"]) == found | agents | {"boardzoo.agents.pretrained"}
    assert config["package-data"]["boardzoo.agents.pretrained"] == ["README.md"]
    for agent in agents:
        shipped = config["package-data"][agent]
        assert sorted(shipped) == sorted(p.name for p in (pretrained / agent.rsplit(".", 1)[1]).iterdir()), agent


def test_no_real_boardzoo_folder_shadows_the_mapping():
    assert not (ROOT / "boardzoo").exists()


def test_every_package_ships_py_typed():
    for folder in MAPPED.values():
        assert (ROOT / folder / "py.typed").is_file(), folder


def test_version_comes_from_metadata():
    assert importlib.metadata.version("boardzoo")

"""Shared helpers for benchmark scripts: environment provenance and result files.

Every benchmark writes `<out>/<name>.json` (the full record, stamped with versions, machine,
git commit and timestamp by `environment_info`) and `<out>/<name>.md` (a human-readable
report ending with the same environment). Relative output folders are taken from the
repository root, so results land in `benchmarks/results/` wherever the script is run from.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = "benchmarks/results"

# Distribution names whose versions every result records (None when not installed).
DISTRIBUTIONS = ("boardzoo", "numpy", "numba", "pettingzoo", "gymnasium", "open_spiel", "pygame")


def package_versions(names: tuple[str, ...] = DISTRIBUTIONS) -> dict[str, str | None]:
    """Installed versions of Python and the given distributions (None if missing)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, else whatever `platform` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine_info() -> dict[str, Any]:
    """CPU model, logical CPU count, CPUs this process may use, and the OS."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        "platform": platform.platform(),
    }


def _git(*args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip()


def git_info() -> dict[str, Any]:
    """The checked-out commit (None outside a git checkout) and whether the tree has changes."""
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {"commit": _git("rev-parse", "HEAD"), "dirty": None if status is None else bool(status)}


def environment_info() -> dict[str, Any]:
    """Provenance for a result: versions, machine, git commit and a UTC timestamp."""
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": package_versions(),
        "machine": machine_info(),
        "git": git_info(),
    }


def environment_markdown(info: dict[str, Any]) -> str:
    """A short Markdown section describing `environment_info()` output."""
    versions = ", ".join(f"{name} {version or 'not installed'}" for name, version in info["versions"].items())
    machine = info["machine"]
    git = info["git"]
    commit = git["commit"] or "unknown"
    if git["dirty"]:
        commit += " (with uncommitted changes)"
    return "\n".join(
        [
            "## Environment",
            "",
            f"- timestamp: {info['timestamp']}",
            f"- CPU: {machine['cpu_model']} ({machine['cpu_count']} logical CPUs, "
            f"{machine['usable_cpus']} usable); {machine['platform']}",
            f"- versions: {versions}",
            f"- git commit: {commit}",
        ]
    )


def results_dir(out: str | os.PathLike[str] = DEFAULT_OUT) -> Path:
    """The output folder (created); relative paths are taken from the repository root."""
    path = Path(out)
    if not path.is_absolute():
        path = REPO_ROOT / path
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_results(
    name: str,
    payload: dict[str, Any],
    markdown: str,
    *,
    out: str | os.PathLike[str] = DEFAULT_OUT,
    environment: dict[str, Any] | None = None,
) -> tuple[Path, Path]:
    """Write `<out>/<name>.json` and `<out>/<name>.md`, both stamped with the environment.

    Args:
      name: the benchmark name, used for the file names.
      payload: JSON-serialisable results; stored next to "benchmark" and "environment".
      markdown: the report body; a title and the environment section are added.
      out: the output folder (relative to the repository root unless absolute).
      environment: `environment_info()` output to record; default: collected now.

    Returns:
      The JSON and Markdown paths.
    """
    info = environment if environment is not None else environment_info()
    folder = results_dir(out)
    json_path = folder / f"{name}.json"
    md_path = folder / f"{name}.md"
    document = {"benchmark": name, "environment": info, **payload}
    _write_atomically(json_path, json.dumps(document, indent=2, sort_keys=False) + "\n")
    report = f"# Benchmark: {name}\n\n{markdown.rstrip()}\n\n{environment_markdown(info)}\n"
    _write_atomically(md_path, report)
    return json_path, md_path


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is not positive."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator

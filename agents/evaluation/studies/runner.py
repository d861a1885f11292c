"""The study runner: a study is a grid of independent cells (a training run, the play of one
checkpoint, ...) run one after another, each with its own seed, each result written atomically,
then one report.

    result = run_study(TrainTestStudy(TrainTestSettings.quick()), "runs/studies/train_test", seed=0)

Folder layout (`folder`):
  study.json          the study's name and settings (a folder holds one study at one setting)
  cells/<key>.json    one finished cell: its params, seed, seconds and result
  work/<key>/         what a cell keeps while it runs (run folders, checkpoints); a cell that is
                      interrupted resumes from here (training runs resume from their checkpoint)
  study_<name>.json   the report: settings, environment, every cell, the study's summary
  study_<name>.md     the same as Markdown
  study_<name>.png    the study's figure (every plotted point with its interval)

A cell's seed is derived from the study seed and the cell's key alone (`cell_seed`), so it does
not depend on which other cells exist or in which order they run. A cell reads the results of the
cells it names in `Cell.needs` (`CellContext.results`) and nothing else: a study lists its training
cells before the cells that play their checkpoints. Cells already in `cells/` are never run again,
so an interrupted study, started again with the same settings, runs only what is missing.

With `ray` set, every cell whose needs are finished runs as a Ray task (`studies.on_ray`), so
independent cells run side by side with `threads` torch threads each (at least 1); a cell's seed
and inputs are the same as here, so a step-budget study at one thread gives the same results
either way but for the seconds it records (wall-clock budgets depend on the machine).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from boardzoo.agents.atomic import remove_staging_leftovers, write_atomically
from boardzoo.agents.training.run import set_threads

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.=@+-]*$")
"""a cell key is a file name: letters, digits and _ . = @ + -"""


@dataclass(frozen=True)
class Cell:
    """One unit of a study.

    Attributes:
      key: unique within the study, a file name (`KEY_PATTERN`); the cell's seed derives from it.
      params: what the cell does (JSON); stored with its result.
      cost: expected time relative to other cells (weights the progress bar, so its ETA is fair).
      needs: keys of earlier cells whose results this one reads (it runs after them).
    """

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    cost: float = 1.0
    needs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not KEY_PATTERN.match(self.key):
            raise ValueError(f"a cell key must be a file name of letters, digits and _.=@+-, got {self.key!r}")
        if not self.cost > 0:
            raise ValueError(f"a cell's cost must be > 0, got {self.cost!r}")
        if not isinstance(self.needs, tuple) or not all(isinstance(key, str) for key in self.needs):
            raise ValueError(f"a cell's needs must be a tuple of cell keys, got {self.needs!r}")


@dataclass(frozen=True)
class CellContext:
    """What a running cell is given."""

    seed: int
    """the cell's seed (`cell_seed(study seed, key)`)"""
    folder: Path
    """the cell's own work folder (kept, so an interrupted cell resumes)"""
    study_folder: Path
    results: dict[str, Any]
    """results of the cells named in `Cell.needs`, by key"""
    threads: int
    """torch threads (0 = every core)"""


class Study(Protocol):
    """What the runner needs of a study."""

    name: str

    def settings(self) -> dict[str, Any]:
        """The study's settings as JSON (recorded; a folder holds one setting)."""
        ...

    def cells(self) -> list[Cell]:
        """Every cell, in an order that can run (a cell reads only the results of its `needs`)."""
        ...

    def run_cell(self, cell: Cell, context: CellContext) -> dict[str, Any]:
        """Run one cell; its result as JSON. Keys starting with "_" stay in the cell's file and
        are left out of the report's JSON (per-position arrays and the like)."""
        ...

    def report(self, results: dict[str, Any], figure: Path) -> tuple[dict[str, Any], str]:
        """The study's summary (JSON) and its Markdown body; draws the figure at `figure`."""
        ...


def cell_seed(study_seed: int, key: str) -> int:
    """A cell's seed in [0, 2**31): a hash of the study seed and the key (stable across runs,
    machines and Python versions)."""
    digest = hashlib.sha256(f"{int(study_seed)}/{key}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFF_FFFF


def run_study(
    study: Study,
    folder: str | Path,
    *,
    seed: int = 0,
    results_folder: str | Path | None = None,
    threads: int = 0,
    progress_bar: bool = True,
    ray: str | None = None,
) -> dict[str, Any]:
    """Run every missing cell of `study` in `folder`, then write the report (into `folder`, or
    `results_folder`); returns the report's JSON. `ray`: run the cells as Ray tasks ("local",
    "auto" or a cluster address; the folder must be shared by every node), each with `threads`
    torch threads (at least 1) on as many CPUs."""
    folder = Path(folder)
    cells = study.cells()
    check_cells(study.name, cells)
    keys = [cell.key for cell in cells]
    _claim_folder(folder, study, seed)
    started = time.perf_counter()
    results = {key: record["result"] for key, record in _finished(folder).items() if key in keys}
    pending = [cell for cell in cells if cell.key not in results]
    done_cost = sum(cell.cost for cell in cells if cell.key in results)
    with tqdm(
        total=sum(cell.cost for cell in cells),
        initial=done_cost,
        desc=f"study {study.name}",
        unit="cost",
        disable=not progress_bar,
        bar_format="{l_bar}{bar}| [{elapsed}<{remaining}] {postfix}",
    ) as bar:
        if ray is not None:
            from boardzoo.agents.evaluation.studies.on_ray import run_cells_on_ray

            run_cells_on_ray(study, pending, folder, seed, results, max(threads, 1), ray, bar)
        else:
            set_threads(threads)
            for cell in pending:
                bar.set_postfix_str(cell.key)
                results[cell.key] = record_cell(
                    folder, cell, seed, *run_cell(study, cell, folder, seed, results, threads)
                )
                bar.update(cell.cost)
    return write_report(study, folder, seed=seed, results_folder=results_folder, seconds=time.perf_counter() - started)


CELL_COUNT_SETTINGS = ("seeds",)
"""The settings that, by default, only say which cells there are: a cell's key names its seed
and its result does not depend on how many seeds run, so more (or fewer) seeds reuse a folder.
A study whose other settings only add or drop cells names them all in `cell_count_settings`."""


def cell_count_settings(study: Study) -> tuple[str, ...]:
    """The settings of `study` that only say which cells there are (`CELL_COUNT_SETTINGS`)."""
    return tuple(getattr(study, "cell_count_settings", CELL_COUNT_SETTINGS))


def _claim_folder(folder: Path, study: Study, seed: int) -> None:
    # The folder holds one study at one setting: refuse to mix results of different settings.
    header = json.loads(json.dumps({"study": study.name, "seed": seed, "settings": study.settings()}))
    path = folder / "study.json"
    if path.is_file():
        recorded = json.loads(path.read_text())
        ignored = cell_count_settings(study)
        if comparable(recorded, ignored) != comparable(header, ignored):
            raise ValueError(
                f"{folder} holds study {recorded.get('study')!r} with other settings or seed; "
                "use another --out (or delete it)"
            )
        if recorded == header:
            return
    write_atomically(path, json.dumps(header, indent=2))


def comparable(header: dict[str, Any], ignored: tuple[str, ...]) -> dict[str, Any]:
    """A study folder's header without the settings in `ignored` (those that only count cells)."""
    settings = header.get("settings")
    if not isinstance(settings, dict):
        return header
    return {**header, "settings": {k: v for k, v in settings.items() if k not in ignored}}


def _finished(folder: Path) -> dict[str, dict[str, Any]]:
    cells = folder / "cells"
    remove_staging_leftovers(cells)
    if not cells.is_dir():
        return {}
    return {path.stem: json.loads(path.read_text()) for path in sorted(cells.glob("*.json"))}


def check_cells(name: str, cells: list[Cell]) -> None:
    """Keys unique; every need the key of an earlier cell (so the listed order can run)."""
    seen: set[str] = set()
    for cell in cells:
        if cell.key in seen:
            raise ValueError(f"study {name}: cell keys must be unique, {cell.key!r} repeats")
        unknown = [key for key in cell.needs if key not in seen]
        if unknown:
            raise ValueError(f"study {name}: cell {cell.key!r} needs {unknown}, which are not earlier cells")
        seen.add(cell.key)


def run_cell(
    study: Study, cell: Cell, folder: Path, seed: int, results: dict[str, Any], threads: int
) -> tuple[Any, float]:
    """Run one cell with the results of its needs; (its result, seconds). Runs in a Ray task too.

    The seconds are the cell's wall clock over all its runs: a run that ends in an exception
    (Ctrl-C included) adds its time to `work/<key>/interrupted_seconds`, which the finishing run
    counts too (a process killed outright loses its run's time)."""
    needed = {key: results[key] for key in cell.needs}
    context = CellContext(cell_seed(seed, cell.key), folder / "work" / cell.key, folder, needed, threads)
    spent = context.folder / "interrupted_seconds"
    earlier = float(spent.read_text()) if spent.is_file() else 0.0
    start = time.perf_counter()
    try:
        result = study.run_cell(cell, context)
    except BaseException:
        spent.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(spent, repr(earlier + time.perf_counter() - start))
        raise
    return result, earlier + time.perf_counter() - start


def record_cell(folder: Path, cell: Cell, seed: int, result: Any, seconds: float) -> Any:
    """Write a finished cell's file (`seed`: the study's); its result as read back from JSON."""
    record = {
        "key": cell.key,
        "params": cell.params,
        "seed": cell_seed(seed, cell.key),
        "seconds": seconds,
        "result": result,
    }
    write_atomically(folder / "cells" / f"{cell.key}.json", json.dumps(record, default=_json_default))
    return json.loads(json.dumps(result, default=_json_default))


def write_report(
    study: Study, folder: Path, *, seed: int, results_folder: str | Path | None = None, seconds: float = 0.0
) -> dict[str, Any]:
    """Write study_<name>.{json,md,png} from the finished cells (every cell must be finished;
    cells of the folder that the study's settings no longer list, e.g. extra seeds, are left out)."""
    keys = [cell.key for cell in study.cells()]
    finished = _finished(folder)
    records = {key: finished[key] for key in keys if key in finished}
    missing = [key for key in keys if key not in records]
    if missing:
        raise ValueError(f"study {study.name}: {len(missing)} cells are not finished (first: {missing[0]})")
    out = Path(results_folder) if results_folder is not None else folder
    out.mkdir(parents=True, exist_ok=True)
    figure = out / f"study_{study.name}.png"
    start = time.perf_counter()
    summary, body = study.report({key: record["result"] for key, record in records.items()}, figure)
    report_seconds = time.perf_counter() - start
    environment = environment_info()
    cell_seconds = sum(record["seconds"] for record in records.values())
    payload = {
        "study": study.name,
        "seed": seed,
        "settings": study.settings(),
        "summary": summary,
        "seconds": {"cells": cell_seconds, "report": report_seconds, "this_invocation": seconds + report_seconds},
        "environment": environment,
        "cells": {key: _public_record(record) for key, record in records.items()},
    }
    write_atomically(out / f"study_{study.name}.json", json.dumps(payload, indent=1, default=_json_default))
    markdown = "\n".join(
        [
            f"# Study: {study.name}",
            "",
            body.strip(),
            "",
            f"Wall clock: {cell_seconds / 60:.1f} minutes over {len(records)} cells, then "
            f"{report_seconds / 60:.1f} minutes for this report "
            f"(study seed {seed}; {environment['cpu']}, {environment['cores']} cores; "
            f"torch {environment['torch']}; commit {environment['commit'] or 'unknown'}).",
            "",
        ]
    )
    write_atomically(out / f"study_{study.name}.md", markdown)
    return payload


def restore_cells(report: str | Path, folder: str | Path) -> list[str]:
    """Give `folder` the finished cells of a study report (`study_<name>.json`), so that
    `run_study` there runs only the cells the report lacks: how a committed study grows (more
    seeds, budgets or sweep settings) on a machine without its run folder. Returns the keys
    restored.

    A report holds each cell's public result (keys starting with "_" left out) and, since this
    function exists, whether that is the whole result (`complete`). Cells marked incomplete are
    not restored, so they run again; reports written before the mark are taken as complete (a
    study whose report reads "_" results then fails at its report, naming the missing key).
    Cells already in the folder are kept; the folder's study.json is written from the report
    if it has none (and must match it if it has)."""
    payload = json.loads(Path(report).read_text())
    folder = Path(folder)
    header = {key: payload[key] for key in ("study", "seed", "settings")}
    path = folder / "study.json"
    if path.is_file():
        recorded = json.loads(path.read_text())
        if recorded != header:
            raise ValueError(
                f"{folder} holds study {recorded.get('study')!r} with other settings or seed than {report}"
            )
    else:
        write_atomically(path, json.dumps(header, indent=2))
    finished = _finished(folder)
    restored = []
    for key, record in payload["cells"].items():
        if key in finished or not record.get("complete", True):
            continue
        write_atomically(
            folder / "cells" / f"{key}.json", json.dumps({k: v for k, v in record.items() if k != "complete"})
        )
        restored.append(key)
    return restored


def _public_record(record: dict[str, Any]) -> dict[str, Any]:
    # A cell's record as the report holds it: the public result, and whether that is all of it.
    public = _public(record["result"])
    return {
        **{k: v for k, v in record.items() if k != "result"},
        "result": public,
        "complete": public == record["result"],
    }


def _public(result: Any) -> Any:
    if isinstance(result, dict):
        return {k: _public(v) for k, v in result.items() if not str(k).startswith("_")}
    return result


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def environment_info() -> dict[str, Any]:
    """Machine, versions and git commit, for the report."""
    import torch

    from boardzoo.agents import __name__ as package

    try:
        from importlib.metadata import version

        boardzoo_version = version("boardzoo")
    except Exception:  # not installed as a distribution
        boardzoo_version = None
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "torch": torch.__version__,
        "boardzoo": boardzoo_version,
        "package": package,
        "commit": _git_commit(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str | None:
    try:
        output = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).resolve().parent,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return output.stdout.strip() or None

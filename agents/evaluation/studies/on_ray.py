"""A study's cells as Ray tasks (`boardzoo study NAME --ray local|auto|ADDRESS`).

Every pending cell whose needs are finished is submitted at once as a task asking for `threads`
CPUs; the driver waits for whichever finishes first, writes its file (as the local runner does)
and submits the cells that were waiting for it. A cell gets the same seed and the same results of
its needs as in the local runner and `threads` torch threads (the local runner's, at least 1), so
a step-budget study at one thread gives the same results either way but for recorded seconds.
Work folders (`work/<key>/`) are written by the tasks: on a cluster the study folder must be on
storage every node shares. An interrupted study resumes like a local one (cells already written
are not run again; a cell that was running resumes from its work folder).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tqdm import tqdm

from boardzoo.agents.evaluation.studies.runner import Cell, Study, record_cell, run_cell
from boardzoo.agents.training.distributed import connect, require_ray
from boardzoo.agents.training.run import set_threads


def run_cells_on_ray(
    study: Study,
    pending: list[Cell],
    folder: Path,
    seed: int,
    results: dict[str, Any],
    threads: int,
    address: str,
    bar: tqdm,
) -> None:
    """Run `pending` (in listed order, each after its needs) as Ray tasks; `results` (key ->
    result, the finished cells so far) gains each cell as it is written."""
    started = connect(address)
    ray = require_ray()
    try:
        task = ray.remote(num_cpus=threads)(_cell_task)
        waiting = list(pending)
        running: dict[Any, Cell] = {}
        while waiting or running:
            ready = [cell for cell in waiting if all(key in results for key in cell.needs)]
            for cell in ready:
                waiting.remove(cell)
                needed = {key: results[key] for key in cell.needs}
                running[task.remote(study, cell, str(folder.resolve()), seed, needed, threads)] = cell
            if not running:  # unreachable after `check_cells`, kept so a bug cannot spin forever
                raise RuntimeError(f"study {study.name}: cells {[c.key for c in waiting]} wait on cells never run")
            bar.set_postfix_str(f"{len(running)} running")
            (done,), _ = ray.wait(list(running), num_returns=1)
            cell = running.pop(done)
            result, seconds = ray.get(done)
            results[cell.key] = record_cell(folder, cell, seed, result, seconds)
            bar.update(cell.cost)
    finally:
        if started:
            ray.shutdown()


def _cell_task(
    study: Study, cell: Cell, folder: str, seed: int, needed: dict[str, Any], threads: int
) -> tuple[Any, float]:
    # The body of a Ray task: one cell, with the torch threads the local runner would use.
    set_threads(threads)
    return run_cell(study, cell, Path(folder), seed, needed, threads)

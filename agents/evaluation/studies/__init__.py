"""boardzoo.agents.evaluation.studies: questions about search and learning answered by studies
that anyone can rerun, `boardzoo study NAME [--quick]`.

| study | question |
|---|---|
| `train_test` | train-time vs test-time compute on solved boards (Jones 2021): Elo against train and |
| | test FLOPs, the iso-Elo fit, compute to near-perfect play against board size |
| `prior` | how many simulations a search with a uniform prior needs to match the learned prior's search |
| `value_target` | value target z, q, mixes and a schedule: solver value and move accuracy against wall clock |
| `gumbel_vs_puct` | Gumbel and PUCT self-play with 2 … 64 simulations at equal wall clock |
| `playout_cap` | playout cap randomization on and off at equal wall clock |
| `methods` | expert iteration (search, network alone), PPO and BC at equal wall clock, by solver accuracy and Elo |

Each is a grid of cells run by `runner.run_study` (seeded, resumable, one report as
`study_<name>.{json,md,png}`); `--quick` is the small form the test suite runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from boardzoo.agents.evaluation.studies.methods import MethodsSettings, MethodsStudy
from boardzoo.agents.evaluation.studies.prior import PriorSettings, PriorStudy
from boardzoo.agents.evaluation.studies.runner import Cell, CellContext, Study, cell_seed, run_study, write_report
from boardzoo.agents.evaluation.studies.train_test import (
    TrainTestSettings,
    TrainTestStudy,
    fit_frontier,
    fit_iso_elo,
    pareto_frontier,
)
from boardzoo.agents.evaluation.studies.training_curves import CURVE_STUDIES, CurveSettings, CurveStudy
from boardzoo.agents.validation import check_ints, check_ray_address

StudyName = Literal["train_test", "prior", "value_target", "gumbel_vs_puct", "playout_cap", "methods"]


def make_study(name: str, *, quick: bool = False, seeds: int | None = None) -> Study:
    """The study called `name` in its full or quick form (`seeds` overrides its seed count)."""
    factories: dict[str, Callable[[], Any]] = {
        "train_test": lambda: TrainTestStudy(_settings(TrainTestSettings, quick, seeds)),
        "prior": lambda: PriorStudy(_settings(PriorSettings, quick, seeds)),
        "methods": lambda: MethodsStudy(_settings(MethodsSettings, quick, seeds)),
        **{
            curve: (lambda curve=curve: CurveStudy(curve, CurveSettings.preset(curve, quick=quick, seeds=seeds)))
            for curve in CURVE_STUDIES
        },
    }
    if name not in factories:
        raise ValueError(f"unknown study {name!r}; studies: {', '.join(factories)}")
    return factories[name]()


def _settings(kind: Any, quick: bool, seeds: int | None) -> Any:
    import dataclasses

    settings = kind.quick() if quick else kind()
    if seeds is None:
        return settings
    # `--seeds N`: N at every setting (a study whose settings count seeds per setting says how)
    with_seeds = getattr(settings, "with_seeds", None)
    return with_seeds(seeds) if with_seeds is not None else dataclasses.replace(settings, seeds=seeds)


@dataclass(frozen=True)
class StudyConfig:
    """Run a study (a grid of training runs and evaluations) and write study_<name>.{json,md,png}."""

    name: StudyName
    """train_test, prior, value_target, gumbel_vs_puct, playout_cap or methods"""
    quick: bool = False
    """the small form (well under a minute; what the test suite runs)"""
    out: str = ""
    """study folder (cells, work, report); default runs/studies/<name>[_quick]; an unfinished
    study there is resumed"""
    results: str = ""
    """where study_<name>.{json,md,png} go (default: the study folder), e.g. benchmarks/results"""
    seeds: int | None = None
    """training seeds per setting (default: the study's own)"""
    seed: int = 0
    """the study seed (every cell's seed derives from it and the cell's key)"""
    threads: int = 0
    """torch threads (0 = every core; with `ray`, threads and CPUs per cell, at least 1)"""
    progress_bar: bool = True
    ray: str | None = None
    """run the cells as Ray tasks, side by side: "local" (start Ray here), "auto" (join the running
    cluster) or a cluster ADDRESS; None = one after another in this process (same results for
    step budgets; needs the `ray` extra and the study folder on storage every node shares)"""

    def __post_init__(self) -> None:
        if self.name not in get_args(StudyName):
            raise ValueError(f"unknown study {self.name!r}; studies: {', '.join(get_args(StudyName))}")
        check_ints(self, ("seed", "threads"), minimum=0)
        check_ray_address(self)
        if self.seeds is not None:
            check_ints(self, ("seeds",))

    @property
    def folder(self) -> Path:
        return Path(self.out or f"runs/studies/{self.name}{'_quick' if self.quick else ''}")


def run_study_command(config: StudyConfig) -> dict[str, Any]:
    """`boardzoo study`: run (or resume) the study, write its report, print the Markdown."""
    study = make_study(config.name, quick=config.quick, seeds=config.seeds)
    payload = run_study(
        study,
        config.folder,
        seed=config.seed,
        results_folder=config.results or None,
        threads=config.threads,
        progress_bar=config.progress_bar,
        ray=config.ray,
    )
    report = Path(config.results or config.folder) / f"study_{study.name}.md"
    print(report.read_text())
    return payload


__all__ = [
    "Cell",
    "CellContext",
    "CurveSettings",
    "CurveStudy",
    "MethodsSettings",
    "MethodsStudy",
    "PriorSettings",
    "PriorStudy",
    "Study",
    "StudyConfig",
    "TrainTestSettings",
    "TrainTestStudy",
    "cell_seed",
    "fit_frontier",
    "fit_iso_elo",
    "make_study",
    "pareto_frontier",
    "run_study",
    "run_study_command",
    "write_report",
]

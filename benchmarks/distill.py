"""Distillation in every direction on Connect Four, measured against perfect play: the network
alone's optimal-move accuracy (policy) and win/draw/loss accuracy of its value head on the
solver-labelled standard position sets (random and strong play).

Five questions (issue 14), each on runs of this script's own:
1. KD: a small student distilled from a trained teacher (α = 1, and α = `kd_alpha` mixed with the
   data's targets) vs the same student trained alone (α = 0) on the same replay buffer for the
   same steps vs the teacher. Does it land "about halfway" (Lc0: a 128×10 student of a 256×40
   teacher reached policy loss 1.546 against 1.591 alone and 1.496 for the teacher)?
2. Growth: expert iteration with a growth schedule (small → large by net2net) vs fixed small vs
   fixed large, each for `minutes_per_run` of wall clock; accuracy against minutes.
3. Reverse distillation: the large network with the fixed-small run's final network as teacher
   early on (α linear 1 → 0 over the budget) vs without (the fixed-large run), equal wall clock.
   The small teacher's own minutes are not charged: the question is whether an existing small
   network speeds up a big one.
4. Deep → wide at equal FLOPs: a deep narrow and a shallow wide student (channels chosen so the
   FLOPs per evaluation match), both distilled from the teacher for the same steps: batch-1
   latency and accuracy.
5. Grow then distill down vs the small network trained directly, at equal total wall clock: the
   growth run (`minutes_per_run`) then a small student distilled from it on its replay buffer
   (`distill_minutes`), against one small expert-iteration run of `minutes_per_run` +
   `distill_minutes`.
The teacher of 1 and 4 is the fixed-large run of 2, or with `--teacher RUN` an existing
expert-iteration run (its latest network and its replay buffer), e.g. the 60-minute 7 × 6 run:

    .venv/bin/python benchmarks/distill.py --columns 7 --rows 6 --teacher runs/c4 \
        --experiments kd deep_wide --distill-steps 3000 --positions 0

Wall clock on a shared machine is noisy,
and each cell is one seed: differences of a few points of accuracy are within the noise.

The board is 6 columns × 5 rows by default: 7 × 6 needs far more than a few minutes per run to
separate these methods on a 2-core CPU (`--columns 7 --rows 6` runs it there, with bitbully as
the solver). Runs are kept under `--work` (wiped at the start).

    .venv/bin/python benchmarks/distill.py --quick                       # ~2 min smoke run, *_quick files
    .venv/bin/python benchmarks/distill.py                               # ~13 min: 5 × 1.8 + 0.4 min of runs,
                                                                         # 6 students, scoring

The first run on a board labels its position sets with the solver (6 × 5, 500 + 500 positions:
about 10 min on a busy 2-core machine) and caches them under ~/.cache/boardzoo; run `--quick`
or any run with the same `--positions` once beforehand so the timed run reuses them.
"""

from __future__ import annotations

# ruff: noqa: E402 - `setup_process()` must run before numpy, numba and torch are imported
from _harness import DEFAULT_OUT, publish, result_name, results_dir, setup_process, table

setup_process(threads=None)

import copy
import dataclasses
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import tyro

from boardzoo.agents.ground_truth import KINDS, evaluate_player, standard_positions
from boardzoo.agents.models import NetworkConfig, build_network, flops_per_evaluation, profile_network
from boardzoo.agents.players import load_agent, network_player
from boardzoo.agents.solvers import quick_solver_for
from boardzoo.agents.training import AlphaSchedule, DistillConfig, TeacherConfig, TrainConfig, distill, train
from boardzoo.agents.training.expert_iteration import EvaluationConfig, LearnerConfig, SelfPlayConfig
from boardzoo.agents.training.run import Progress, StopSignal
from boardzoo.envs import Game, make

EXPERIMENTS = ("kd", "growth", "reverse", "deep_wide", "grow_distill")
SNAPSHOTS = (0.25, 0.5, 0.75, 1.0)
"""fractions of an expert-iteration run's budget at which its network is kept and scored"""


@dataclass(frozen=True)
class Options:
    """Distillation benchmark on Connect Four (see the module docstring)."""

    columns: int = 6
    rows: int = 5
    minutes_per_run: float = 1.8
    """wall clock of each expert-iteration run (five of them: small, large, growth, reverse, and
    the small one of 5, which gets distill_minutes more)"""
    distill_minutes: float = 0.4
    """the distill-down of 5 (and the extra minutes of its small run)"""
    distill_steps: int = 800
    """learner steps of each student of 1 and 4 (equal steps: equal data and compute)"""
    small: str = "2x16"
    """BLOCKSxCHANNELS of the small network (resnet)"""
    large: str = "4x32"
    """BLOCKSxCHANNELS of the large network"""
    growth: tuple[str, ...] = ("0.25:3x24", "0.5:4x32")
    """the growth schedule from small to large"""
    deep: str = "6x16"
    """the deep student of 4; the wide one has `wide_blocks` blocks and the channels that match its FLOPs"""
    wide_blocks: int = 2
    kd_alpha: float = 0.5
    """α of the mixed KD student of 1 (α = 1 and α = 0 are always run)"""
    positions: int = 500
    """positions per standard set (random and strong play) in each score (0 = the game's standard sets)"""
    teacher: str = ""
    """an existing expert-iteration run of this board to teach 1 and 4 (its latest network and
    replay buffer) instead of the fixed-large run of 2"""
    threads: int = 0
    """torch threads of every run (0 = every core)"""
    seed: int = 0
    experiments: tuple[str, ...] = EXPERIMENTS
    quick: bool = False
    """smoke run: seconds per run, few steps and positions; saved as *_quick"""
    work: str = "runs/bench_distill"
    """where the runs go (wiped at the start)"""
    out: str = DEFAULT_OUT


def size(text: str, kind: str = "resnet") -> NetworkConfig:
    blocks, _, channels = text.partition("x")
    return NetworkConfig(kind=kind, blocks=int(blocks), channels=int(channels))


def describe(config: NetworkConfig) -> str:
    return f"{config.kind} {config.blocks}x{config.channels}"


class Bench:
    """The runs and scores of one benchmark invocation."""

    def __init__(self, options: Options) -> None:
        if options.quick:
            options = dataclasses.replace(
                options, minutes_per_run=0.25, distill_minutes=0.05, distill_steps=30, positions=60
            )
        self.options = options
        self.game = make("connect_four", rows=options.rows, columns=options.columns)
        solver = quick_solver_for(self.game)
        if solver is None:
            raise SystemExit(f"no quick solver for {self.game!r}: accuracy cannot be measured")
        count = options.positions or None
        self.sets = tuple(standard_positions(self.game, k, count=count, solver=solver) for k in KINDS)
        self.work = Path(options.work + ("_quick" if options.quick else ""))
        shutil.rmtree(self.work, ignore_errors=True)
        self.runs: dict[str, dict[str, Any]] = {}
        # Compile (or load) the search and self-play kernels now, so no run's clock pays for it.
        self.expert_iteration("warm_up", size(options.small), None, steps=2, min_positions=64)
        del self.runs["warm_up"]

    # -- scores ----------------------------------------------------------------------------
    def score(self, network: torch.nn.Module) -> dict[str, float]:
        player = network_player(self.game, network, simulations=0)
        report = evaluate_player(player, self.sets, np.random.default_rng(0))
        scores = {"accuracy": report.accuracy, "value_accuracy": report.row("all").value_accuracy}
        return scores | {f"accuracy_{k}": report.row(f"{k} play").accuracy for k in KINDS}

    def latency_us(self, network: torch.nn.Module) -> float:
        with torch.random.fork_rng(devices=[]):
            profile = profile_network(network, batch_sizes=(1,), repeats=5)
        return 1e6 / profile.evaluations_per_second[1]

    # -- runs ------------------------------------------------------------------------------
    def expert_iteration(
        self, name: str, network: NetworkConfig, minutes: float | None, **changes: Any
    ) -> dict[str, Any]:
        """An expert-iteration run (or the one already made under `name`), scored at SNAPSHOTS."""
        if name in self.runs:
            return self.runs[name]
        options, quick = self.options, self.options.quick
        snapshots: list[tuple[float, int, torch.nn.Module]] = []
        pending = list(SNAPSHOTS)

        def keep(progress: Progress) -> None:
            while pending and progress.fraction >= pending[0] - 1e-9:
                pending.pop(0)
                snapshots.append((progress.seconds, progress.step, copy.deepcopy(progress.network)))

        settings: dict[str, Any] = dict(
            out=str(self.work / name),
            game="connect_four",
            game_params={"rows": options.rows, "columns": options.columns},
            minutes=minutes,
            steps=None,
            seed=options.seed,
            threads=options.threads,
            network=network,
            selfplay=SelfPlayConfig(
                batch_size=32 if quick else 128,
                algorithm="gumbel",
                simulations=8 if quick else 32,
                cheap_simulations=4 if quick else 8,
                full_search_fraction=0.5 if quick else 0.25,
            ),
            learner=LearnerConfig(batch_size=64 if quick else 256),
            evaluation=EvaluationConfig(interval=-1),
            replay_capacity=50_000,
            min_positions=100 if quick else 2_000,
            checkpoint_interval=10**9,
            log_interval=50,
            tensorboard=False,
            progress_bar=False,
        )
        config = TrainConfig(**{**settings, **changes})
        start = time.perf_counter()
        with StopSignal() as stop:  # Ctrl-C checkpoints this run and ends the benchmark
            train(config, callbacks=[keep])
        stop.raise_if_requested(f"run {name}")
        seconds = time.perf_counter() - start
        points = [
            {"minutes": s / 60, "step": step, "network": describe(net.config), **self.score(net)}
            for s, step, net in snapshots
        ]
        final = snapshots[-1][2]
        run = {
            "name": name,
            "path": config.out,
            "network": describe(final.config),
            "flops_per_evaluation": flops_per_evaluation(final),
            "minutes": minutes,
            "wall_s": seconds,
            "curve": points,
            **points[-1],
        }
        print(f"{name}: {run['network']} accuracy {run['accuracy']:.3f} after {seconds:.0f} s", flush=True)
        self.runs[name] = run
        return run

    def student(
        self, name: str, teacher: str, network: NetworkConfig, alpha: float, *, steps: int | None, minutes: float | None
    ) -> dict[str, Any]:
        """A student distilled from run `teacher`'s final network on its replay buffer."""
        config = DistillConfig(
            out=str(self.work / name),
            game="connect_four",
            game_params={"rows": self.options.rows, "columns": self.options.columns},
            teacher=teacher,
            source=f"replay:{teacher}",
            student=network,
            alpha=AlphaSchedule("constant", alpha),
            steps=steps,
            minutes=minutes,
            seed=self.options.seed,
            threads=self.options.threads,
            learner=LearnerConfig(batch_size=64 if self.options.quick else 256),
            eval_interval=-1,
            tensorboard=False,
            progress_bar=False,
        )
        start = time.perf_counter()
        with StopSignal() as stop:
            path = distill(config)
        stop.raise_if_requested(f"student {name}")
        seconds = time.perf_counter() - start
        net = load_agent(path, self.game).network
        row = {
            "name": name,
            "network": describe(net.config),
            "alpha": alpha,
            "steps": int(path.name.removeprefix("step_")),
            "wall_s": seconds,
            "flops_per_evaluation": flops_per_evaluation(net),
            "latency_us": self.latency_us(net),
            **self.score(net),
        }
        print(f"{name}: {row['network']} α={alpha} accuracy {row['accuracy']:.3f} ({seconds:.0f} s)", flush=True)
        return row

    # -- the experiments -------------------------------------------------------------------
    def small(self) -> dict[str, Any]:
        return self.expert_iteration("small", size(self.options.small), self.options.minutes_per_run)

    def large(self) -> dict[str, Any]:
        return self.expert_iteration("large", size(self.options.large), self.options.minutes_per_run)

    def grown(self) -> dict[str, Any]:
        o = self.options
        return self.expert_iteration("growth", size(o.small), o.minutes_per_run, growth=o.growth)

    def teacher(self) -> dict[str, Any]:
        """The teacher of 1 and 4: `--teacher`'s run, scored as it is, or the fixed-large run."""
        if not self.options.teacher:
            return self.large()
        if "teacher" not in self.runs:
            network = load_agent(self.options.teacher, self.game).network
            self.runs["teacher"] = {
                "name": "teacher",
                "path": self.options.teacher,
                "network": describe(network.config),
                "flops_per_evaluation": flops_per_evaluation(network),
                "latency_us": self.latency_us(network),
                "minutes": None,
                "curve": [],
                **self.score(network),
            }
        return self.runs["teacher"]

    def kd(self) -> dict[str, Any]:
        o, teacher = self.options, self.teacher()
        small = size(o.small)
        rows = [
            self.student(f"kd_alpha{a:g}", teacher["path"], small, a, steps=o.distill_steps, minutes=None)
            for a in dict.fromkeys((1.0, o.kd_alpha, 0.0))
        ]
        alone = rows[-1]
        for row in rows:
            row["position"] = _between(row["accuracy"], alone["accuracy"], teacher["accuracy"])
            row["value_position"] = _between(row["value_accuracy"], alone["value_accuracy"], teacher["value_accuracy"])
        return {"teacher": _strip(teacher), "students": rows}

    def growth(self) -> dict[str, Any]:
        return {"runs": [_strip(self.small()), _strip(self.large()), _strip(self.grown())]}

    def reverse(self) -> dict[str, Any]:
        o = self.options
        teacher = TeacherConfig(checkpoint=self.small()["path"], alpha=AlphaSchedule("linear", 1.0, 0.0))
        helped = self.expert_iteration("reverse", size(o.large), o.minutes_per_run, teacher=teacher)
        return {"without": _strip(self.large()), "with": _strip(helped), "teacher": _strip(self.small())}

    def deep_wide(self) -> dict[str, Any]:
        o, teacher = self.options, self.teacher()
        deep = size(o.deep)
        wide = _matching_width(self.game, deep, o.wide_blocks)
        rows = [
            self.student(name, teacher["path"], config, o.kd_alpha, steps=o.distill_steps, minutes=None)
            for name, config in (("deep", deep), ("wide", wide))
        ]
        return {"teacher": _strip(teacher), "students": rows}

    def grow_distill(self) -> dict[str, Any]:
        o = self.options
        grown = self.grown()
        down = self.student(
            "grown_down", grown["path"], size(o.small), o.kd_alpha, steps=None, minutes=o.distill_minutes
        )
        direct = self.expert_iteration("small_long", size(o.small), o.minutes_per_run + o.distill_minutes)
        return {"grown": _strip(grown), "distilled_down": down, "direct": _strip(direct)}


def _between(value: float | None, low: float | None, high: float | None) -> float | None:
    # Where `value` lies from `low` (0) to `high` (1).
    if value is None or low is None or high is None or abs(high - low) < 1e-9:
        return None
    return (value - low) / (high - low)


def _strip(run: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in run.items() if k != "path"}


def _matching_width(game: Game, deep: NetworkConfig, blocks: int) -> NetworkConfig:
    """A resnet with `blocks` blocks whose channels give the FLOPs per evaluation closest to `deep`'s."""

    def flops(config: NetworkConfig) -> int:
        return flops_per_evaluation(build_network(config, game.observation_shape, game.num_actions))

    target = flops(deep)
    candidates = [dataclasses.replace(deep, blocks=blocks, channels=c) for c in range(deep.channels, 8 * deep.channels)]
    return min(candidates, key=lambda config: abs(flops(config) - target))


# -- the report ------------------------------------------------------------------------------
def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _accuracies(row: dict[str, Any]) -> list[str]:
    return [_pct(row["accuracy"]), _pct(row["value_accuracy"])]


def _markdown(options: Options, game: Game, results: dict[str, Any]) -> str:
    o = options
    runs = (
        ""
        if o.teacher and not {"growth", "reverse", "grow_distill"} & set(results)
        else f" each expert-iteration run {o.minutes_per_run:g} min of wall clock from scratch (Gumbel "
        f"{'8/4' if o.quick else '32/8'} simulations),"
    )
    lines = [
        f"{game!r},{runs} students {o.distill_steps} steps on the teacher's replay "
        f"buffer; {torch.get_num_threads()} torch threads, seed {o.seed}, one run per cell. Accuracy = the network "
        f"alone's optimal-move rate on {f'{o.positions} + {o.positions}' if o.positions else 'the standard'} "
        "solver-labelled positions (random and strong "
        "play); value = its value head's win/draw/loss accuracy.",
        "",
    ]
    if o.teacher:
        lines += [f"Teacher of 1 and 4: the existing run `{o.teacher}` (not trained here).", ""]
    if "kd" in results:
        r = results["kd"]
        t = r["teacher"]
        lines += ["## 1. Knowledge distillation: student vs alone vs teacher", ""]
        rows = [["teacher", t["network"], "-", *_accuracies(t), "1", "1"]]
        for s in r["students"]:
            label = "alone (α = 0)" if s["alpha"] == 0 else f"KD α = {s['alpha']:g}"
            position = "n/a" if s["position"] is None else f"{s['position']:.2f}"
            value = "n/a" if s["value_position"] is None else f"{s['value_position']:.2f}"
            rows.append([label, s["network"], str(s["steps"]), *_accuracies(s), position, value])
        columns = ["", "network", "steps", "accuracy", "value accuracy", "position (0 alone, 1 teacher)", "value pos."]
        lines += [table(columns, rows, left=2), ""]
        for s in r["students"][:-1]:
            if s["position"] is not None:
                lines.append(
                    f"KD α = {s['alpha']:g} lands {s['position']:.2f} of the way from alone to the teacher in "
                    'accuracy (0.5 = Lc0\'s "about halfway").'
                )
        lines.append("")
    if "growth" in results or "reverse" in results or "grow_distill" in results:
        lines += ["## 2, 3. Accuracy against minutes (expert iteration, equal wall clock)", ""]
        rows = []
        for run in _curve_runs(results):
            for p in run["curve"]:
                rows.append([run["name"], p["network"], f"{p['minutes']:.2f}", str(p["step"]), *_accuracies(p)])
        lines += [table(["run", "network", "minutes", "step", "accuracy", "value accuracy"], rows, left=2), ""]
        finals = ", ".join(f"{run['name']} {_pct(run['accuracy'])}" for run in _curve_runs(results))
        lines += [f"At the end of each run: {finals}.", ""]
    if "deep_wide" in results:
        r = results["deep_wide"]
        lines += ["## 4. Deep → wide at equal FLOPs (distilled students)", ""]
        rows = [
            [s["name"], s["network"], f"{s['flops_per_evaluation']:,}", f"{s['latency_us']:.0f}", *_accuracies(s)]
            for s in r["students"]
        ]
        columns = ["student", "network", "FLOPs/eval", "B=1 latency µs", "accuracy", "value accuracy"]
        lines += [table(columns, rows, left=2), ""]
        deep, wide = r["students"]
        lines += [
            f"The wide student's batch-1 latency is {wide['latency_us'] / deep['latency_us']:.2f}× the deep one's, "
            f"its accuracy {100 * (wide['accuracy'] - deep['accuracy']):+.1f} points.",
            "",
        ]
    if "grow_distill" in results:
        r = results["grow_distill"]
        d, g, s = r["distilled_down"], r["grown"], r["direct"]
        lines += ["## 5. Grow then distill down vs the small network directly (equal total wall clock)", ""]
        rows = [
            ["grown (before distilling)", g["network"], f"{g['minutes']:.2f}", *_accuracies(g)],
            ["grown + distilled down", d["network"], f"{g['minutes'] + o.distill_minutes:.2f}", *_accuracies(d)],
            ["small directly", s["network"], f"{s['minutes']:.2f}", *_accuracies(s)],
        ]
        lines += [table(["", "network", "minutes", "accuracy", "value accuracy"], rows, left=2), ""]
        lines += [
            f"Grow then distill down minus small directly: {100 * (d['accuracy'] - s['accuracy']):+.1f} points of "
            f"accuracy, {100 * (d['value_accuracy'] - s['value_accuracy']):+.1f} of value accuracy.",
            "",
        ]
    return "\n".join(lines)


def _curve_runs(results: dict[str, Any]) -> list[dict[str, Any]]:
    runs: dict[str, dict[str, Any]] = {}
    for key, names in (("growth", ("runs",)), ("reverse", ("without", "with")), ("grow_distill", ("direct",))):
        if key in results:
            for name in names:
                for run in results[key][name] if name == "runs" else [results[key][name]]:
                    runs[run["name"]] = run
    return list(runs.values())


def _plot(path: Path, results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(13, 3.8), dpi=100)
    for run in _curve_runs(results):
        curve = run["curve"]
        axes[0].plot([p["minutes"] for p in curve], [p["accuracy"] for p in curve], marker="o", label=run["name"])
    axes[0].set(xlabel="training minutes", ylabel="accuracy (network alone)", title="2, 3, 5: expert iteration")
    axes[0].legend(fontsize=7)
    bars: list[tuple[str, float]] = []
    if "kd" in results:
        bars.append(("teacher", results["kd"]["teacher"]["accuracy"]))
        bars += [(s["name"].replace("kd_", ""), s["accuracy"]) for s in results["kd"]["students"]]
    if "grow_distill" in results:
        r = results["grow_distill"]
        bars += [("grown+down", r["distilled_down"]["accuracy"]), ("small direct", r["direct"]["accuracy"])]
    if bars:
        axes[1].bar(range(len(bars)), [b[1] for b in bars], color="tab:blue")
        axes[1].set_xticks(range(len(bars)), [b[0] for b in bars], rotation=30, fontsize=7)
    axes[1].set(ylabel="accuracy", title="1: KD vs alone; 5: grow+distill vs direct")
    if "deep_wide" in results:
        for s in results["deep_wide"]["students"]:
            axes[2].scatter(s["latency_us"], s["accuracy"])
            axes[2].annotate(f"{s['name']} {s['network']}", (s["latency_us"], s["accuracy"]), fontsize=7)
    axes[2].set(xlabel="batch-1 latency (µs)", ylabel="accuracy", title="4: deep vs wide at equal FLOPs")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main(options: Options) -> None:
    for name in options.experiments:
        if name not in EXPERIMENTS:
            raise SystemExit(f"experiments must be among {EXPERIMENTS}, got {name!r}")
    start = time.perf_counter()
    bench = Bench(options)
    results = {name: getattr(bench, name)() for name in EXPERIMENTS if name in options.experiments}
    name = result_name(f"distill_connect_four_{options.columns}x{options.rows}", quick=options.quick)
    _plot(results_dir(options.out) / f"{name}.png", results)
    payload = {
        "config": dataclasses.asdict(bench.options),
        "game": repr(bench.game),
        "total_minutes": (time.perf_counter() - start) / 60,
        "results": results,
    }
    markdown = _markdown(bench.options, bench.game, results)
    markdown += f"\nTotal {payload['total_minutes']:.1f} min. Plot: `{name}.png`.\n"
    publish(name, payload, markdown, out=options.out)


if __name__ == "__main__":
    main(tyro.cli(Options))

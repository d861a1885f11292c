"""Study `methods`: expert iteration (with search and network alone), PPO and BC under the same
wall-clock budget, scored by accuracy against perfect play and by Elo.

Each cell is one run of the comparison (`boardzoo.agents.evaluation.compare`: its training,
perfect-play scoring, round robin and Elo, resumable on its own) for one budget and one seed;
this study repeats it over seeds and budgets (each budget may run its own number of seeds:
`seeds_at`) and reports each method's optimal-move accuracy and Elo (random = 0) at the end of
the budget, as means over seeds with 95% bootstrap intervals over seeds (with two seeds that is
their range) and each seed's value; a budget of one seed shows its run's own intervals instead
(Wilson over the scored positions, the Elo fit's bootstrap over games), which leave out the
spread between runs.

The tuning sweep gives each method the same small effort, charged to no method's budget: for
each `sweep` setting (one or more `METHOD:FIELD=VALUE` of the same method, space-separated, as in
`evaluation.overrides`) one run of that method with the setting changed, beside one run of
each swept method with its defaults, all for `sweep_budget` minutes and scored by optimal-move
accuracy on the standard position sets (expert iteration: with search). Each method's best run
decides the setting its comparison runs use (`tuned`; ties go to the defaults), so every method
is compared as tuned as its sweep could make it; a method the sweep leaves out keeps its
defaults (the expert-iteration preset, PPOConfig's, BC from `bc_expert`'s games). The report
names each method's best setting and the settings the comparisons applied.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from boardzoo.agents.evaluation.compare import (
    OVERRIDABLE,
    CompareConfig,
    perfect_play_table,
    run_compare,
    train_method,
)
from boardzoo.agents.evaluation.overrides import parse_override
from boardzoo.agents.evaluation.studies.common import bootstrap_mean, pyplot, wilson_interval
from boardzoo.agents.evaluation.studies.runner import Cell, CellContext

FINAL = {
    "expert iteration (search)": "expert_iteration@1",
    "expert iteration (network)": "expert_iteration_network@1",
    "PPO": "ppo@1",
    "BC": "bc@1",
    "BC (fixed data)": "bc_fixed_data@1",
}
"""method -> the comparison's name of its final player"""


@dataclass(frozen=True)
class MethodsSettings:
    """What the methods study runs (the full form; `quick()` is the CI form)."""

    game: str = "connect_four"
    """a game with a `boardzoo train` preset and a quick solver"""
    budgets: tuple[float, ...] = (15.0, 60.0)
    """training minutes per method, one comparison per budget and seed"""
    seeds: int = 1
    """training seeds of each budget, except those `seeds_at` names"""
    seeds_at: tuple[tuple[float, int], ...] = ((15.0, 3),)
    """(budget, seeds) pairs: the budgets that run another number of seeds than `seeds` (each a
    budget of `budgets`). The default runs three seeds at 15 minutes, one at 60: a 60-minute seed
    costs about four hours on two cores. `--seeds N` on the command line sets N at every budget."""
    fractions: tuple[float, ...] = (0.25, 0.5, 1.0)
    """snapshots, as fractions of the budget (each joins the round robin)"""
    ladder: tuple[str, ...] = ("random", "uct:100", "uct:1000")
    games_per_pair: int = 12
    simulations: int = 64
    bc_expert: str = "uct:1000"
    fixed_dataset_games: int = 300
    sweep_budget: float = 3.0
    """training minutes of each tuning-sweep run"""
    sweep: tuple[str, ...] = (
        "expert_iteration:learner.learning_rate=1e-3",
        "expert_iteration:learner.learning_rate=4e-3",
        "ppo:learning_rate=1e-4",
        "ppo:learning_rate=1e-3",
        "bc:learning_rate=1e-3",
        "bc:learning_rate=4e-3",
        # PPO's own levers beyond the learning rate: entropy bonus, rollout length, and a trunk
        # that is fast on a CPU (on our VecEnv SB3's MlpPolicy made 28k environment steps/s, the
        # baseline with its 4x32 ResNet trunk 879 as it trains: benchmarks/results/ppo_throughput.md)
        "ppo:ent_coef=0.0",
        "ppo:n_steps=256",
        "ppo:network.trunk.kind=mlp ppo:network.trunk.blocks=2 ppo:network.trunk.channels=128",
    )
    """the tuning sweep: settings of one run each beside its method's defaults, each one or more
    METHOD:FIELD=VALUE of the same method, space-separated (e.g. "ppo:network.trunk.kind=mlp
    ppo:network.trunk.channels=128")"""
    tuned: bool = True
    """the comparisons run each method with its best sweep setting (False: with its defaults,
    the sweep only reported). BC's setting reaches both BC runs (an override `bc:` does), though
    the sweep scores BC only with its data charged to its budget"""

    def __post_init__(self) -> None:
        self.compare(self.budgets[0], Path("."), seed=0, threads=0)  # a bad setting fails now
        if self.seeds < 1:
            raise ValueError(f"seeds must be >= 1, got {self.seeds}")
        named: set[float] = set()
        for pair in self.seeds_at:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"seeds_at holds (budget, seeds) pairs, got {pair!r}")
            budget, seeds = pair
            if isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget not in self.budgets:
                raise ValueError(
                    f"seeds_at names budget {budget!r}, which is not one of budgets {self.budgets} "
                    "(with other budgets, pass seeds_at=() or pairs of those budgets)"
                )
            if budget in named:
                raise ValueError(f"seeds_at names budget {budget!r} twice")
            named.add(budget)
            if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
                raise ValueError(f"seeds_at gives budget {budget!r} {seeds!r} seeds; it must be an int >= 1")
        for setting in self.sweep:
            sweep_method(setting)
            self.sweep_compare(setting, Path("."), seed=0, threads=0)

    def with_seeds(self, seeds: int) -> MethodsSettings:
        """These settings with `seeds` seeds at every budget (what `--seeds` means)."""
        return dataclasses.replace(self, seeds=seeds, seeds_at=())

    def seeds_of(self, budget: float) -> int:
        """How many seeds the comparison at `budget` runs (seeds 0 .. n - 1)."""
        return dict(self.seeds_at).get(budget, self.seeds)

    def sweep_runs(self) -> list[tuple[str, str]]:
        """(method, setting) of every sweep run: each swept method's defaults ("") first."""
        methods = [sweep_method(setting) for setting in self.sweep]
        return [(method, "") for method in dict.fromkeys(methods)] + list(zip(methods, self.sweep, strict=True))

    def sweep_compare(self, setting: str, out: Path, *, seed: int, threads: int) -> CompareConfig:
        """The comparison config of one sweep run ("" = the defaults): the sweep budget, the final
        snapshot only, no ladder, the setting's overrides."""
        base = self.compare(self.sweep_budget, out, seed=seed, threads=threads)
        return dataclasses.replace(base, fractions=(1.0,), ladder=(), overrides=tuple(setting.split()))

    def sweep_key(self, method: str, setting: str) -> str:
        label = " ".join(text.partition(":")[2] for text in setting.split()) or "defaults"
        return f"sweep-{self.sweep_budget:g}min-{method}-{re.sub(r'[^A-Za-z0-9._=-]', '_', label)}"

    @classmethod
    def quick(cls) -> MethodsSettings:
        return cls(
            game="tic_tac_toe",
            budgets=(0.05,),
            fractions=(1.0,),
            ladder=("random", "uct:10"),
            games_per_pair=2,
            simulations=4,
            bc_expert="uct:10",
            fixed_dataset_games=4,
            sweep_budget=0.05,
            sweep=("ppo:learning_rate=1e-3",),
            seeds_at=(),
        )

    def compare(self, budget: float, out: Path, *, seed: int, threads: int) -> CompareConfig:
        return CompareConfig(
            game=self.game,
            budget=budget,
            fractions=self.fractions,
            out=str(out),
            ladder=self.ladder,
            games_per_pair=self.games_per_pair,
            simulations=self.simulations,
            bc_expert=self.bc_expert,
            fixed_dataset_games=self.fixed_dataset_games,
            seed=seed,
            threads=threads,
            progress_bar=False,
        )


def sweep_method(setting: str) -> str:
    """The method a sweep setting changes: every `METHOD:FIELD=VALUE` of it must name the same one
    (ValueError otherwise, naming the setting)."""
    if not isinstance(setting, str) or not setting.split():
        raise ValueError(f"a sweep setting must be one or more METHOD:FIELD=VALUE, got {setting!r}")
    methods = {parse_override(text, OVERRIDABLE).method for text in setting.split()}
    if len(methods) > 1:
        raise ValueError(f"sweep setting {setting!r} changes {sorted(methods)}; one run changes one method")
    return methods.pop()


class MethodsStudy:
    """The study (see the module docstring)."""

    name = "methods"
    cell_count_settings = ("seeds", "seeds_at", "budgets", "sweep", "sweep_budget", "tuned")
    """a cell's key names its seed and budget, or its sweep budget and setting (`runner`); what a
    comparison cell applied is in its result and checked against the sweep's picks at the report"""

    def __init__(self, settings: MethodsSettings) -> None:
        self.s = settings

    def settings(self) -> dict[str, Any]:
        return dataclasses.asdict(self.s)

    def cells(self) -> list[Cell]:
        sweep = [
            Cell(self.s.sweep_key(method, setting), {"method": method, "setting": setting}, cost=self.s.sweep_budget)
            for method, setting in self.s.sweep_runs()
        ]
        needs = tuple(cell.key for cell in sweep) if self.s.tuned else ()
        return sweep + [
            Cell(f"compare-{budget:g}min-s{seed}", {"budget": budget, "seed": seed}, cost=4 * budget, needs=needs)
            for budget in self.s.budgets
            for seed in range(self.s.seeds_of(budget))
        ]

    def run_cell(self, cell: Cell, context: CellContext) -> dict[str, Any]:
        if "method" in cell.params:
            return self._sweep_run(cell.params["method"], cell.params["setting"], context)
        config = self.s.compare(cell.params["budget"], context.folder, seed=context.seed, threads=context.threads)
        overrides = self.applied_overrides(context.results)
        payload = run_compare(dataclasses.replace(config, overrides=overrides))
        return {key: payload[key] for key in ("ratings", "perfect_play", "curves", "seconds")} | {
            "overrides": list(overrides)
        }

    def best_settings(self, results: dict[str, Any]) -> dict[str, str]:
        """Each swept method's best sweep setting ("" = its defaults) by the accuracy of its
        final player (expert iteration: with search); the first of equals (the defaults) wins."""
        best: dict[str, tuple[str, float]] = {}
        for method, setting in self.s.sweep_runs():
            scores = results[self.s.sweep_key(method, setting)]["scores"]
            accuracy = next(iter(scores.values()))["accuracy"]
            if method not in best or accuracy > best[method][1]:
                best[method] = (setting, accuracy)
        return {method: setting for method, (setting, _) in best.items()}

    def applied_overrides(self, results: dict[str, Any]) -> tuple[str, ...]:
        """The overrides a comparison runs with: every method's best sweep setting when `tuned`."""
        if not self.s.tuned:
            return ()
        return tuple(text for setting in self.best_settings(results).values() for text in setting.split())

    def _sweep_run(self, method: str, setting: str, context: CellContext) -> dict[str, Any]:
        # One method for the sweep budget, its final snapshot scored against perfect play (expert
        # iteration with search and its network alone) by the comparison's own scoring stage,
        # with no ladder to score beside it.
        from boardzoo.agents.training.expert_iteration.presets import PRESETS
        from boardzoo.envs import make

        config = self.s.sweep_compare(setting, context.folder, seed=context.seed, threads=context.threads)
        train_method(config, method)
        _, preset = PRESETS[config.game]
        table = perfect_play_table(config, make(preset.game, **preset.game_params))
        if not table:
            raise ValueError(f"the tuning sweep needs a game with a quick solver, got {config.game!r}")
        # label -> scores, the method's final player first (it decides "best")
        labels = [label for label, player in FINAL.items() if player.startswith(f"{method}@")]
        if method == "expert_iteration":
            labels.append("expert iteration (network)")
        return {"method": method, "setting": setting, "scores": {label: table[FINAL[label]] for label in labels}}

    def report(self, results: dict[str, Any], figure: Path) -> tuple[dict[str, Any], str]:
        applied = self.applied_overrides(results)
        self._check_applied(results, applied)
        rng = np.random.default_rng(0)
        table: dict[str, dict[str, Any]] = {}
        seeds = {f"{budget:g}": self.s.seeds_of(budget) for budget in self.s.budgets}  # keyed as the table
        for budget, count in seeds.items():
            runs = [results[f"compare-{budget}min-s{seed}"] for seed in range(count)]
            table[budget] = {method: _final_row(runs, player, rng) for method, player in FINAL.items()}
        self._plot(table, seeds, figure)
        sweep = self._sweep_table(results)
        intervals = {budget: intervals_over(count) for budget, count in seeds.items()}
        summary = {"final": table, "intervals": intervals, "sweep": sweep, "applied_overrides": list(applied)}
        return summary, self._markdown(table, seeds, applied) + self._sweep_markdown(sweep)

    def _check_applied(self, results: dict[str, Any], applied: tuple[str, ...]) -> None:
        # A folder's sweep may grow after its comparisons ran (the sweep only counts cells); a
        # comparison run with other settings than the sweep now picks is stale, not comparable.
        for budget in self.s.budgets:
            for seed in range(self.s.seeds_of(budget)):
                key = f"compare-{budget:g}min-s{seed}"
                ran = tuple(results[key].get("overrides", ()))
                if sorted(ran) != sorted(applied):
                    now = f"the sweep's best settings are now {list(applied)}" if self.s.tuned else "tuned is off"
                    raise ValueError(
                        f"study methods: cell {key} ran with overrides {list(ran)}, but {now}; "
                        f"delete cells/{key}.json and work/{key} to run it again"
                    )

    def _sweep_table(self, results: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        # method -> its sweep runs (defaults first), each with its players' scores and whether it
        # is the method's best by the accuracy of its final player (expert iteration: with search).
        table: dict[str, list[dict[str, Any]]] = {}
        best = self.best_settings(results)
        for method, setting in self.s.sweep_runs():
            scores = results[self.s.sweep_key(method, setting)]["scores"]
            table.setdefault(method, []).append(
                {"setting": setting or "defaults", "scores": scores, "best": setting == best[method]}
            )
        return table

    def _sweep_markdown(self, sweep: dict[str, list[dict[str, Any]]]) -> str:
        if not sweep:
            return ""
        lines = [
            "",
            "",
            f"## Tuning sweep ({self.s.sweep_budget:g} minutes per run, one seed, charged to no method's budget)",
            "",
            "Optimal-move accuracy on the standard position sets (all / random play / strong play) and "
            "value accuracy of each run's final snapshot; **best** marks each method's best run by its "
            "first player's accuracy.",
            "",
            "| method | setting | player | accuracy | random play | strong play | value accuracy |",
            "|---|---|---|---:|---:|---:|---:|",
        ]
        for method, runs in sweep.items():
            for run in runs:
                for player, score in run["scores"].items():
                    value = score.get("value_accuracy")
                    setting = f"**{run['setting']}**" if run["best"] else run["setting"]
                    lines.append(
                        f"| {method} | {setting} | {player} | {100 * score['accuracy']:.1f}% | "
                        f"{100 * score['accuracy_random']:.1f}% | {100 * score['accuracy_strong']:.1f}% | "
                        f"{'–' if value is None else f'{100 * value:.1f}%'} |"
                    )
        return "\n".join(lines)

    def _plot(self, table: dict[str, dict[str, Any]], seeds: dict[str, int], path: Path) -> None:
        plt = pyplot()
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
        width = 0.8 / max(1, len(table))
        for k, (budget, rows) in enumerate(table.items()):
            for axis, measure in zip(axes, ("accuracy", "elo"), strict=True):
                methods = [m for m in FINAL if measure in rows[m]]
                ys = np.array([rows[m][measure] for m in methods])
                spread = [
                    ys - [rows[m][f"{measure}_low"] for m in methods],
                    [rows[m][f"{measure}_high"] for m in methods] - ys,
                ]
                xs = np.array([list(FINAL).index(m) for m in methods]) + k * width
                yerr = np.clip(np.nan_to_num(np.array(spread, np.float64)), 0, None)  # no bar where unknown
                count = seeds[budget]
                axis.bar(xs, ys, width, yerr=yerr, capsize=3, label=f"{budget} min, {count} seed{'s' * (count > 1)}")
        for axis, label in zip(axes, ("optimal-move accuracy", "Elo (random = 0)"), strict=True):
            axis.set_xticks(range(len(FINAL)), list(FINAL), rotation=20, ha="right", fontsize=8)
            axis.set(ylabel=label, title=f"{label} at the end of the budget")
            axis.legend(fontsize=8)
        bars = "95%: over seeds where a budget has several, else within the run (positions; games)"
        fig.suptitle(f"Methods on {self.s.game} (bars: {bars})")
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        plt.close(fig)

    def _markdown(
        self,
        table: dict[str, dict[str, Any]],
        seeds: dict[str, int],
        applied: tuple[str, ...],
    ) -> str:
        s = self.s
        if not s.tuned:
            settings = "each method with its defaults (the tuning sweep below is reported, not applied)"
        else:
            settings = (
                "each method with its best setting of the tuning sweep below "
                f"({', '.join(f'`{text}`' for text in applied) or 'every method its defaults'}; "
                "a method not named keeps its defaults)"
            )
        counts = ", ".join(f"{budget} minutes: {count}" for budget, count in seeds.items())
        lines = [
            f"Game {s.game}; budgets {', '.join(f'{b:g}' for b in s.budgets)} minutes per method; seeds ({counts}); "
            f"{settings}; accuracy on the standard position sets and Elo (random = 0, each seed's own pool) "
            "of the final snapshot; means over a budget's seeds, each seed's value after them.",
            "",
            *(f"- {budget} minutes: {intervals_over(count)}." for budget, count in seeds.items()),
            "",
            "| budget (min) | seeds | method | accuracy | Elo | accuracy per seed | Elo per seed |",
            "|---:|---:|---|---|---|---|---|",
        ]
        for budget, rows in table.items():
            for method, row in rows.items():
                accuracy = _with_interval(row, "accuracy", lambda v: f"{100 * v:.1f}", "%")
                elo = _with_interval(row, "elo", lambda v: f"{v:.0f}")
                per_accuracy = " / ".join(f"{100 * v:.1f}%" for v in row.get("accuracy_seeds", ()))
                per_elo = " / ".join(f"{v:.0f}" for v in row.get("elo_seeds", ()))
                lines.append(
                    f"| {budget} | {seeds[budget]} | {method} | {accuracy} | {elo} | "
                    f"{per_accuracy or '–'} | {per_elo or '–'} |"
                )
        return "\n".join(lines)


def _final_row(runs: list[dict[str, Any]], player: str, rng: np.random.Generator) -> dict[str, Any]:
    # One method's accuracy and Elo at the end of a budget, each with a 95% interval: over seeds
    # (bootstrap of the runs' values) when there are several runs; within the one run otherwise
    # (Wilson over its scored positions; the Elo fit's bootstrap over games).
    row: dict[str, Any] = {}
    for measure, source in (("accuracy", "perfect_play"), ("elo", "ratings")):
        records = [run[source][player] for run in runs if player in run.get(source, {})]
        if not records or any(record.get(measure) is None for record in records):
            continue
        values = [float(record[measure]) for record in records]
        if len(runs) > 1:  # as the report's labels: over seeds (a player missing from a run is left out)
            mean, low, high = bootstrap_mean(np.array(values), rng)
        elif measure == "accuracy":
            mean = records[0]["accuracy"]
            low, high = wilson_interval(mean, records[0]["positions"])
        else:
            mean, low, high = records[0]["elo"], records[0]["low"], records[0]["high"]
        row |= {measure: mean, f"{measure}_low": low, f"{measure}_high": high, f"{measure}_seeds": values}
    return row


def intervals_over(seeds: int) -> str:
    """What the report's 95% intervals are over at a budget of `seeds` seeds."""
    if seeds > 2:
        return f"95% bootstrap intervals over the {seeds} seeds"
    if seeds == 2:
        return "95% bootstrap intervals over the 2 seeds, which are the range of the two"
    return (
        "95% intervals within the one run: Wilson over the scored positions (accuracy), "
        "bootstrap over the pool's games (Elo); a second seed would add the spread between runs"
    )


def _with_interval(row: dict[str, Any], measure: str, number: Callable[[float], str], unit: str = "") -> str:
    # "value[unit] [low, high]" of a report row's measure; "–" without it, no interval where its
    # bounds are unknown (NaN: an Elo fit without bootstrap).
    if measure not in row:
        return "–"
    low, high = row[f"{measure}_low"], row[f"{measure}_high"]
    interval = "" if np.isnan(low) or np.isnan(high) else f" [{number(low)}, {number(high)}]"
    return f"{number(row[measure])}{unit}{interval}"

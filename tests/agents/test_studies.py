"""The study runner (seeds, resuming, reports), the iso-Elo fit, and every study's --quick form."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import pytest

from boardzoo.agents.cli.app import main
from boardzoo.agents.evaluation.studies import (
    Cell,
    CellContext,
    cell_seed,
    fit_frontier,
    fit_iso_elo,
    make_study,
    pareto_frontier,
    run_study,
)
from boardzoo.agents.evaluation.studies.prior import matching_simulations
from boardzoo.agents.evaluation.studies.runner import restore_cells


class _Counting:
    """A tiny study: three cells, the last one reading the first two; counts its executions and
    can be told to stop (as Ctrl-C would) when it reaches a cell."""

    name = "counting"

    def __init__(self, interrupt_at: str | None = None) -> None:
        self.executed: list[str] = []
        self.interrupt_at = interrupt_at

    def settings(self) -> dict:
        return {"size": 3}

    def cells(self) -> list[Cell]:
        return [Cell("a"), Cell("b", {"x": 1}), Cell("total", cost=2.0, needs=("a", "b"))]

    def run_cell(self, cell: Cell, context: CellContext) -> dict:
        if cell.key == self.interrupt_at:
            raise KeyboardInterrupt
        self.executed.append(cell.key)
        if cell.key == "total":
            assert set(context.results) == {"a", "b"}  # its needs, nothing else
            return {"value": context.results["a"]["value"] + context.results["b"]["value"]}
        assert context.results == {}
        return {"value": float(np.random.default_rng(context.seed).random()), "_heavy": [1, 2, 3]}

    def report(self, results: dict, figure: Path) -> tuple[dict, str]:
        figure.write_bytes(b"png")
        return {"total": results["total"]["value"]}, "a body"


def test_cell_seeds_derive_from_the_study_seed_and_the_key_alone():
    assert cell_seed(0, "train-hex3-1x8-s0") == 963785917  # stable across runs and machines
    assert cell_seed(0, "a") == cell_seed(0, "a") != cell_seed(0, "b")
    assert cell_seed(1, "a") != cell_seed(0, "a")
    assert 0 <= cell_seed(12345, "x" * 200) < 2**31


def test_same_seed_same_results_other_seed_other_results(tmp_path):
    first = run_study(_Counting(), tmp_path / "one", seed=3, progress_bar=False)
    again = run_study(_Counting(), tmp_path / "two", seed=3, progress_bar=False)
    other = run_study(_Counting(), tmp_path / "three", seed=4, progress_bar=False)
    assert first["summary"] == again["summary"] != other["summary"]
    assert first["cells"]["a"]["seed"] == cell_seed(3, "a")
    assert "_heavy" not in first["cells"]["a"]["result"]  # kept in the cell file, not in the report
    assert "_heavy" in json.loads((tmp_path / "one" / "cells" / "a.json").read_text())["result"]
    for suffix in ("json", "md", "png"):
        assert (tmp_path / "one" / f"study_counting.{suffix}").is_file()


def test_an_interrupted_study_resumes_without_redoing_finished_cells(tmp_path):
    interrupted = _Counting(interrupt_at="b")
    with pytest.raises(KeyboardInterrupt):
        run_study(interrupted, tmp_path, progress_bar=False)
    assert interrupted.executed == ["a"] and not (tmp_path / "study_counting.json").exists()
    resumed = _Counting()
    payload = run_study(resumed, tmp_path, progress_bar=False, results_folder=tmp_path / "results")
    assert resumed.executed == ["b", "total"]
    assert payload["summary"] == run_study(_Counting(), tmp_path / "fresh", progress_bar=False)["summary"]
    assert (tmp_path / "results" / "study_counting.md").read_text().startswith("# Study: counting")
    finished = _Counting()
    run_study(finished, tmp_path, progress_bar=False)
    assert finished.executed == []


class _SlowStart(_Counting):
    """Cell b spends 0.3 s before the interruption; its finishing run is instant."""

    def run_cell(self, cell: Cell, context: CellContext) -> dict:
        if cell.key == self.interrupt_at:
            time.sleep(0.3)
        return super().run_cell(cell, context)


def test_a_resumed_cell_records_the_time_of_its_interrupted_runs_too(tmp_path):
    for _ in range(2):  # interrupted twice, then finished
        with pytest.raises(KeyboardInterrupt):
            run_study(_SlowStart(interrupt_at="b"), tmp_path, progress_bar=False)
    run_study(_Counting(), tmp_path, progress_bar=False)
    record = json.loads((tmp_path / "cells" / "b.json").read_text())
    assert 0.6 <= record["seconds"] < 5.0


def test_a_folder_of_other_settings_is_refused(tmp_path):
    run_study(_Counting(), tmp_path, seed=0, progress_bar=False)
    with pytest.raises(ValueError, match="other settings or seed"):
        run_study(_Counting(), tmp_path, seed=1, progress_bar=False)


class _Seeded(_Counting):
    """One cell per seed; `seeds` only sets how many cells there are."""

    name = "seeded"

    def __init__(self, seeds: int, size: int = 3) -> None:
        super().__init__()
        self.seeds, self.size = seeds, size

    def settings(self) -> dict:
        return {"size": self.size, "seeds": self.seeds}

    def cells(self) -> list[Cell]:
        return [Cell(f"a-s{seed}") for seed in range(self.seeds)]

    def report(self, results: dict, figure: Path) -> tuple[dict, str]:
        figure.write_bytes(b"png")
        return {"cells": sorted(results)}, "a body"


def test_more_seeds_reuse_the_finished_cells_of_fewer(tmp_path):
    one = _Seeded(seeds=1)
    run_study(one, tmp_path, progress_bar=False)
    three = _Seeded(seeds=3)
    payload = run_study(three, tmp_path, progress_bar=False)
    assert one.executed == ["a-s0"] and three.executed == ["a-s1", "a-s2"]
    assert payload["summary"]["cells"] == ["a-s0", "a-s1", "a-s2"]
    assert json.loads((tmp_path / "study.json").read_text())["settings"]["seeds"] == 3
    fewer = _Seeded(seeds=2)
    assert run_study(fewer, tmp_path, progress_bar=False)["summary"]["cells"] == ["a-s0", "a-s1"]
    assert fewer.executed == []
    with pytest.raises(ValueError, match="other settings or seed"):
        run_study(_Seeded(seeds=3, size=4), tmp_path, progress_bar=False)


def test_a_report_restores_its_complete_cells_and_a_study_grows_from_them(tmp_path):
    # _Seeded's cells have a private result ("_heavy"), so a report holds them incomplete: none
    # are restored and they run again. Cells without private results come back as they were.
    run_study(_Seeded(seeds=2), tmp_path / "first", progress_bar=False)
    report = tmp_path / "first" / "study_seeded.json"
    assert restore_cells(report, tmp_path / "incomplete") == []
    payload = json.loads(report.read_text())
    for record in payload["cells"].values():
        assert record["complete"] is False
        record["complete"] = True  # as if the results had no private part
    report.write_text(json.dumps(payload))
    assert restore_cells(report, tmp_path / "second") == ["a-s0", "a-s1"]
    assert restore_cells(report, tmp_path / "second") == []  # finished cells are kept, not rewritten
    grown = _Seeded(seeds=3)
    summary = run_study(grown, tmp_path / "second", progress_bar=False)["summary"]
    assert grown.executed == ["a-s2"] and summary["cells"] == ["a-s0", "a-s1", "a-s2"]
    first = json.loads((tmp_path / "first" / "cells" / "a-s1.json").read_text())
    again = json.loads((tmp_path / "second" / "cells" / "a-s1.json").read_text())
    assert again == {**first, "result": {"value": first["result"]["value"]}}
    run_study(_Seeded(seeds=1, size=4), tmp_path / "other", progress_bar=False)
    with pytest.raises(ValueError, match="other settings or seed"):
        restore_cells(report, tmp_path / "other")


def test_the_iso_elo_fit_recovers_known_coefficients():
    rng = np.random.default_rng(0)
    m, b, c = -1.2, 0.004, 14.0
    train = 10 ** rng.uniform(9, 13, size=60)
    elo = rng.uniform(-800, -60, size=60)
    test = 10 ** (m * np.log10(train) + b * elo + c)
    assert np.allclose(fit_iso_elo(train, test, elo), (m, b, c))
    noisy = test * 10 ** rng.normal(0, 0.02, size=60)
    fitted = fit_frontier(train, noisy, elo, low=-900, high=-50, rng=rng, resamples=100)
    assert fitted is not None and abs(fitted["m"] - m) < 0.05 and abs(fitted["b"] - b) < 2e-4
    assert fitted["m_low"] <= fitted["m"] <= fitted["m_high"]


def test_the_frontier_drops_dominated_players():
    train = np.array([1.0, 2.0, 2.0, 4.0])
    test = np.array([1.0, 1.0, 2.0, 1.0])
    elo = np.array([-100.0, -50.0, -60.0, -50.0])
    # player 2 is beaten by player 1 (same train, less test, more Elo); player 3 by player 1 (less train)
    assert pareto_frontier(train, test, elo).tolist() == [True, True, False, False]


def test_matching_simulations_interpolates_in_log_simulations():
    sims = np.array([16.0, 32.0, 64.0])
    assert matching_simulations(sims, np.array([0.5, 0.6, 0.8]), 0.7) == pytest.approx(np.sqrt(32 * 64))
    assert matching_simulations(sims, np.array([0.5, 0.6, 0.8]), 0.4) == 16
    assert matching_simulations(sims, np.array([0.5, 0.6, 0.8]), 0.9) is None


@pytest.mark.parametrize("name", ["train_test", "prior", "value_target", "gumbel_vs_puct", "playout_cap", "methods"])
def test_each_study_runs_in_its_quick_form(tmp_path, name, capsys):
    main(["study", name, "--quick", "--out", str(tmp_path), "--threads", "1", "--no-progress-bar"])
    assert f"# Study: {name}" in capsys.readouterr().out
    payload = json.loads((tmp_path / f"study_{name}.json").read_text())
    settings = json.loads(json.dumps(make_study(name, quick=True).settings()))
    assert payload["study"] == name and payload["settings"] == settings
    assert (tmp_path / f"study_{name}.png").stat().st_size > 10_000
    if name == "train_test":
        boards = payload["summary"]["boards"]
        assert set(boards) == {"hex:2", "hex:3"}
        assert boards["hex:3"]["rungs"]["perfect"]["elo"] == 0
    if name == "methods":
        # The tuning sweep: PPO with its defaults and with the one swept setting, one best.
        runs = payload["summary"]["sweep"]["ppo"]
        assert [run["setting"] for run in runs] == ["defaults", "ppo:learning_rate=1e-3"]
        assert sum(run["best"] for run in runs) == 1
        assert all(0 < run["scores"]["PPO"]["accuracy"] <= 1 for run in runs)
        assert "## Tuning sweep" in (tmp_path / "study_methods.md").read_text()
        # The comparison ran PPO with its best sweep setting (none if the defaults won).
        best = next(run["setting"] for run in runs if run["best"])
        applied = [] if best == "defaults" else [best]
        assert payload["summary"]["applied_overrides"] == applied
        assert payload["cells"]["compare-0.05min-s0"]["result"]["overrides"] == applied


def test_a_bad_study_setting_is_one_line_and_status_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["study", "prior", "--seeds", "0", "--out", str(tmp_path)])
    assert exit.value.code == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("boardzoo: error:") and "seeds" in error and "\n" not in error


def test_a_cell_may_need_only_earlier_cells():
    class Backwards(_Counting):
        def cells(self) -> list[Cell]:
            return [Cell("total", needs=("a",)), Cell("a")]

    with pytest.raises(ValueError, match=r"cell 'total' needs \['a'\], which are not earlier cells"):
        run_study(Backwards(), Path("unused"), progress_bar=False)
    with pytest.raises(ValueError, match="needs must be a tuple"):
        Cell("x", needs=["a"])  # type: ignore[arg-type]


def test_a_methods_study_at_fewer_budgets_or_sweep_settings_shares_the_folder_of_the_full_one():
    from boardzoo.agents.evaluation.studies.methods import MethodsSettings, MethodsStudy
    from boardzoo.agents.evaluation.studies.runner import cell_count_settings, comparable

    def header(study: MethodsStudy) -> dict:
        recorded = json.loads(json.dumps({"study": study.name, "seed": 0, "settings": study.settings()}))
        return comparable(recorded, cell_count_settings(study))

    full = MethodsStudy(MethodsSettings())
    part = MethodsStudy(MethodsSettings(budgets=(15.0,), sweep=()))
    assert {cell.key for cell in part.cells()} < {cell.key for cell in full.cells()}
    assert header(part) == header(full)
    assert header(MethodsStudy(MethodsSettings(seeds=3, seeds_at=((60.0, 2),)))) == header(full)
    assert header(MethodsStudy(MethodsSettings(games_per_pair=2))) != header(full)


def test_a_sweep_setting_may_change_several_fields_of_one_method():
    from boardzoo.agents.evaluation.compare import ppo_config
    from boardzoo.agents.evaluation.studies.methods import MethodsSettings, MethodsStudy

    setting = "ppo:network.trunk.kind=mlp ppo:network.trunk.channels=64"
    settings = MethodsSettings(sweep=(setting,))
    assert settings.sweep_runs() == [("ppo", ""), ("ppo", setting)]
    keys = [cell.key for cell in MethodsStudy(settings).cells()]
    assert "sweep-3min-ppo-network.trunk.kind=mlp_network.trunk.channels=64" in keys
    config = ppo_config(settings.sweep_compare(setting, Path("."), seed=0, threads=0))
    assert (config.network.trunk.kind, config.network.trunk.channels) == ("mlp", 64)
    assert ppo_config(settings.sweep_compare("", Path("."), seed=0, threads=0)).network.trunk.kind == "resnet"
    with pytest.raises(ValueError, match="one run changes one method"):
        MethodsSettings(sweep=("ppo:ent_coef=0.0 bc:learning_rate=1e-3",))
    with pytest.raises(ValueError, match="one or more METHOD:FIELD=VALUE"):
        MethodsSettings(sweep=(" ",))
    with pytest.raises(ValueError, match="has no field 'entropy'"):
        MethodsSettings(sweep=("ppo:ent_coef=0.0 ppo:entropy=1",))


def test_a_tuned_methods_study_runs_each_method_with_its_best_sweep_setting_and_refuses_a_stale_one():
    from boardzoo.agents.evaluation.studies.methods import MethodsSettings, MethodsStudy

    settings = MethodsSettings(budgets=(15.0,), sweep=("ppo:n_steps=256", "ppo:ent_coef=0.0", "bc:learning_rate=1e-3"))
    study = MethodsStudy(settings)
    compare = next(cell for cell in study.cells() if cell.key == "compare-15min-s0")
    assert set(compare.needs) == {settings.sweep_key(m, s) for m, s in settings.sweep_runs()}

    def scored(accuracy: float) -> dict:
        return {"scores": {"first player": {"accuracy": accuracy}}}

    accuracy = {"ppo:": 0.6, "ppo:ppo:n_steps=256": 0.7, "ppo:ppo:ent_coef=0.0": 0.7, "bc:": 0.8}
    accuracy["bc:bc:learning_rate=1e-3"] = 0.8  # a tie: the defaults keep it
    results = {settings.sweep_key(m, s): scored(accuracy[f"{m}:{s}"]) for m, s in settings.sweep_runs()}
    assert study.best_settings(results) == {"ppo": "ppo:n_steps=256", "bc": ""}
    assert study.applied_overrides(results) == ("ppo:n_steps=256",)
    assert MethodsStudy(dataclasses.replace(settings, tuned=False)).applied_overrides(results) == ()
    # A comparison that ran with other settings than the sweep now picks is refused by name.
    results["compare-15min-s0"] = {"overrides": []}
    with pytest.raises(ValueError, match=r"compare-15min-s0 ran with overrides \[\], but .*'ppo:n_steps=256'"):
        study.report(results, Path("unused.png"))


def test_a_one_seed_methods_report_shows_each_runs_own_intervals_and_several_seeds_the_spread_between_them():
    from boardzoo.agents.evaluation.studies.common import wilson_interval
    from boardzoo.agents.evaluation.studies.methods import _final_row, _with_interval

    # The textbook Wilson interval: 50 of 100 -> [0.4038, 0.5962]; none of 0 trials -> (0, 1).
    assert wilson_interval(0.5, 100) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    assert wilson_interval(0.0, 0) == (0.0, 1.0)
    run = {
        "perfect_play": {"p": {"accuracy": 0.9, "positions": 1000}},
        "ratings": {"p": {"elo": 500.0, "low": 450.0, "high": 560.0}},
    }
    row = _final_row([run], "p", np.random.default_rng(0))
    low, high = wilson_interval(0.9, 1000)
    assert (row["accuracy"], row["accuracy_low"], row["accuracy_high"]) == (0.9, low, high)
    assert 0.87 < low < 0.9 < high < 0.93  # about ±2 points, not a zero-width interval
    assert (row["elo"], row["elo_low"], row["elo_high"]) == (500.0, 450.0, 560.0)
    other = {
        "perfect_play": {"p": {"accuracy": 0.8, "positions": 1000}},
        "ratings": {"p": {"elo": 300.0, "low": 250.0, "high": 350.0}},
    }
    row = _final_row([run, other], "p", np.random.default_rng(0))
    assert row["accuracy"] == pytest.approx(0.85) and row["elo"] == pytest.approx(400.0)
    assert (row["accuracy_seeds"], row["elo_seeds"]) == ([0.9, 0.8], [500.0, 300.0])
    assert (row["accuracy_low"], row["accuracy_high"]) == pytest.approx((0.8, 0.9))  # the runs themselves
    assert (row["elo_low"], row["elo_high"]) == pytest.approx((300.0, 500.0))
    assert _final_row([{"perfect_play": {}, "ratings": {}}], "p", np.random.default_rng(0)) == {}
    # Several seeds: over seeds even where a player is missing from all runs but one.
    row = _final_row([run, {"perfect_play": {}, "ratings": {}}], "p", np.random.default_rng(0))
    assert (row["accuracy_low"], row["accuracy_high"]) == (0.9, 0.9)
    # An Elo fit without bootstrap has no interval to show.
    unknown = {"elo": 500.0, "elo_low": float("nan"), "elo_high": float("nan")}
    assert _with_interval(unknown, "elo", lambda v: f"{v:.0f}") == "500"
    assert _with_interval({}, "elo", str) == "–"
    assert (
        _with_interval({"a": 0.5, "a_low": 0.4, "a_high": 0.6}, "a", lambda v: f"{100 * v:.1f}", "%")
        == "50.0% [40.0, 60.0]"
    )


def test_a_methods_budget_may_run_its_own_number_of_seeds_and_the_report_says_what_its_intervals_are_over():
    from boardzoo.agents.evaluation.studies import make_study
    from boardzoo.agents.evaluation.studies.methods import MethodsSettings, MethodsStudy, intervals_over

    settings = MethodsSettings(seeds=1, seeds_at=((15.0, 3),), sweep=())
    keys = [cell.key for cell in MethodsStudy(settings).cells()]
    assert keys == ["compare-15min-s0", "compare-15min-s1", "compare-15min-s2", "compare-60min-s0"]
    assert (settings.seeds_of(15.0), settings.seeds_of(60.0)) == (3, 1)
    with pytest.raises(ValueError, match=r"seeds_at names budget 30.0, which is not one of budgets .*seeds_at=\(\)"):
        MethodsSettings(seeds_at=((30.0, 2),))
    with pytest.raises(ValueError, match="seeds_at names budget 15.0 twice"):
        MethodsSettings(seeds_at=((15.0, 2), (15.0, 3)))
    with pytest.raises(ValueError, match="seeds_at gives budget 15.0 0 seeds"):
        MethodsSettings(seeds_at=((15.0, 0),))
    # `--seeds N` is N at every budget, also where the defaults give a budget its own count.
    assert MethodsSettings().seeds_of(15.0) > 1
    assert [cell.key for cell in make_study("methods", seeds=1).cells() if cell.key.startswith("compare")] == [
        "compare-15min-s0",
        "compare-60min-s0",
    ]
    # The quick form has one budget and one seed.
    assert [cell.key for cell in make_study("methods", quick=True).cells()][-1:] == ["compare-0.05min-s0"]
    assert "within the one run" in intervals_over(1)
    assert "range of the two" in intervals_over(2) and "over the 3 seeds" in intervals_over(3)


def test_the_methods_report_gives_each_budgets_seed_count_interval_kind_and_each_seeds_value(tmp_path: Path):
    from boardzoo.agents.evaluation.studies.methods import FINAL, MethodsSettings, MethodsStudy

    study = MethodsStudy(MethodsSettings(budgets=(15.0, 60.0), seeds_at=((15.0, 2),), sweep=(), tuned=False))

    def compare(accuracy: float, elo: float) -> dict:
        return {
            "perfect_play": {player: {"accuracy": accuracy, "positions": 1000} for player in FINAL.values()},
            "ratings": {player: {"elo": elo, "low": elo - 50, "high": elo + 50} for player in FINAL.values()},
            "overrides": [],
        }

    results = {
        "compare-15min-s0": compare(0.9, 500.0),
        "compare-15min-s1": compare(0.8, 300.0),
        "compare-60min-s0": compare(0.95, 700.0),
    }
    summary, markdown = study.report(results, tmp_path / "figure.png")
    assert (tmp_path / "figure.png").is_file()
    assert "range of the two" in summary["intervals"]["15"] and "within the one run" in summary["intervals"]["60"]
    row = summary["final"]["15"]["PPO"]
    assert row["accuracy"] == pytest.approx(0.85) and row["accuracy_seeds"] == [0.9, 0.8]
    assert "| 15 | 2 | PPO | 85.0% [80.0, 90.0] | 400 [300, 500] | 90.0% / 80.0% | 500 / 300 |" in markdown
    assert "| 60 | 1 | PPO | 95.0% [" in markdown and "| 95.0% | 700 |" in markdown
    assert "seeds (15 minutes: 2, 60 minutes: 1)" in markdown

"""The algorithm comparison as a benchmark: `boardzoo compare`, with its report, JSON and plot
copied to benchmarks/results/compare_<game>.{md,json,png} (stamped with versions, machine, commit).

    .venv/bin/python benchmarks/compare.py --game connect_four            # about 20 min on 2 cores
    .venv/bin/python benchmarks/compare.py --game hex                     # Hex 7x7

The run folder (default runs/compare/<game>) keeps every stage, so running this again after
`boardzoo compare <game>` only refits the ratings and rewrites the results.
"""

from __future__ import annotations

import shutil

import tyro
from _report import environment_info, results_dir, write_results

from boardzoo.agents.compare import CompareConfig, run_compare


def main(config: CompareConfig) -> None:
    payload = run_compare(config)
    folder = config.folder
    name = f"compare_{config.game}"
    markdown = (folder / "report.md").read_text().split("\n", 2)[2]  # drop the report's own title
    defaults = CompareConfig(game=config.game)
    options = ("budget", "games_per_pair", "fixed_dataset_games", "bc_expert_simulations", "search_simulations", "seed")
    changed = [
        f"--{name} {getattr(config, name):g}" for name in options if getattr(config, name) != getattr(defaults, name)
    ]
    command = " ".join([".venv/bin/python benchmarks/compare.py --game", config.game, *changed])
    markdown = f"Reproduce: `{command}`.\n\n![Elo]({name}.png)\n\n{markdown}"
    write_results(name, payload, markdown, environment=environment_info())
    shutil.copyfile(folder / "elo.png", results_dir() / f"{name}.png")


if __name__ == "__main__":
    main(tyro.cli(CompareConfig))

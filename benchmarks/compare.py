"""The algorithm comparison as a benchmark: `boardzoo compare`, with its report, JSON and plot
copied to benchmarks/results/compare_<game>.{md,json,png} (stamped with versions, machine, commit).

    .venv/bin/python benchmarks/compare.py --game connect_four            # about 20 min on 2 cores
    .venv/bin/python benchmarks/compare.py --game hex                     # Hex 7x7

The run folder (default runs/compare/<game>) keeps every stage, so running this again after
`boardzoo compare <game>` only refits the ratings and rewrites the results. There is no
`--quick`: the smallest comparison still trains four methods (use `boardzoo compare` with a
small `--budget` and an `--out` folder to try it).
"""

from __future__ import annotations

# ruff: noqa: E402 - `setup_process()` must run before numpy, numba and torch are imported
from _harness import DEFAULT_OUT, publish, results_dir, setup_process

setup_process(threads=None)  # malloc tuning; the comparison sets its own threads

import dataclasses
import shutil
from typing import Any

import tyro

from boardzoo.agents.evaluation.compare import CompareConfig, run_compare


def main(config: CompareConfig) -> None:
    payload = run_compare(config)
    publish_comparison(config, payload)


def cli_arguments(config: Any, defaults: Any) -> list[str]:
    """The command-line options (tyro style) that turn `defaults` into `config`, game aside."""
    arguments = []
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if field.name == "game" or value == getattr(defaults, field.name):
            continue
        if isinstance(value, bool):
            arguments.append(f"--{'' if value else 'no-'}{field.name}")
        else:
            values = value if isinstance(value, tuple) else (value,)
            arguments.append(
                " ".join([f"--{field.name}", *(f"{v:g}" if isinstance(v, float) else str(v) for v in values)])
            )
    return arguments


def publish_comparison(config: CompareConfig, payload: dict[str, Any], out: str = DEFAULT_OUT) -> None:
    """The comparison's report (with the command that reproduces it), JSON and plot, copied to
    `<out>/compare_<game>.{md,json,png}`."""
    folder = config.folder
    name = f"compare_{config.game}"
    markdown = (folder / "report.md").read_text().split("\n", 2)[2]  # drop the report's own title
    changed = cli_arguments(config, CompareConfig(game=config.game))
    command = " ".join([".venv/bin/python benchmarks/compare.py --game", config.game, *changed])
    markdown = f"Reproduce: `{command}`.\n\n![Elo]({name}.png)\n\n{markdown}"
    publish(name, payload, markdown, out=out)
    shutil.copyfile(folder / "elo.png", results_dir(out) / f"{name}.png")


if __name__ == "__main__":
    main(tyro.cli(CompareConfig))

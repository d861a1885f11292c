"""The `boardzoo` command: one tyro application. Every subcommand is generated from its config
dataclass; commands about a game take it as a positional argument (a tyro subcommand whose
default is that game's settings, so every field stays overridable by a flag):

    boardzoo train connect_four --minutes 60 --network.blocks 6
    boardzoo ppo hex --minutes 20
    boardzoo bc connect_four --dataset runs/c4_uct1000.npz
    boardzoo distill tic_tac_toe --teacher runs/tic_tac_toe --source replay:runs/tic_tac_toe --student.blocks 1
    boardzoo play connect_four --agent runs/connect_four
    boardzoo arena connect_four --players random uct:100 search:connect_four:64
    boardzoo compare connect_four
    boardzoo evaluate connect_four search:connect_four:64
    boardzoo study train_test --quick
    boardzoo demo

A user error (a bad value, an unknown game, a missing or damaged file) prints one line and
exits with status 2; `--debug` (or BOARDZOO_DEBUG=1) shows the traceback instead.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Union

import tyro

from boardzoo.agents.cli.demo import DemoConfig, run_demo
from boardzoo.agents.cli.play import PlayConfig, run_play
from boardzoo.agents.evaluation import ArenaConfig, CompareConfig, run_arena, run_compare
from boardzoo.agents.evaluation.evaluate import DEFAULT_PARAMS, EvaluateConfig, run_evaluate
from boardzoo.agents.evaluation.studies import StudyConfig, StudyName, run_study_command
from boardzoo.agents.models import CheckpointError
from boardzoo.agents.players import PRETRAINED
from boardzoo.agents.solvers import SOLVED_GAMES
from boardzoo.agents.training.bc import BCConfig, train_bc
from boardzoo.agents.training.distillation import DistillConfig, distill
from boardzoo.agents.training.expert_iteration.presets import PRESETS
from boardzoo.agents.training.expert_iteration.train import TrainConfig, train
from boardzoo.agents.training.ppo import PPOConfig, train_ppo
from boardzoo.agents.training.run import Stopped
from boardzoo.envs import available_games

USER_ERRORS = (ValueError, CheckpointError, OSError, EOFError)
"""what a user's input or files can cause; reported in one line"""


def _preset_params(game: str) -> dict[str, int]:
    return dict(PRESETS[game][1].game_params) if game in PRESETS else {}


def _per_game(
    command: str,
    description: str,
    default: Callable[[str], Any],
    games: tuple[str, ...],
    params: Callable[[str], dict[str, int]] = _preset_params,
) -> Any:
    # Annotated[Union[one subcommand per game]]: the game is a positional choice with its own defaults.
    choices = tuple(
        Annotated[
            type(default(game)),
            tyro.conf.subcommand(game, default=default(game), description=f"{game} {params(game) or ''}".strip()),
        ]
        for game in games
    )
    return Annotated[Union[choices], tyro.conf.subcommand(command, description=description)]  # noqa: UP007


def _app() -> Any:
    presets = tuple(PRESETS)
    return Union[  # noqa: UP007
        _per_game(
            "train",
            "Train an agent by expert iteration (search teaches the network).",
            lambda g: PRESETS[g][1],
            presets,
        ),
        _per_game(
            "ppo",
            "Train MaskablePPO by self-play against a pool of its past snapshots.",
            lambda g: PPOConfig(game=g, game_params=_preset_params(g), out=f"runs/ppo_{g}"),
            presets,
        ),
        _per_game(
            "bc",
            "Behavioural cloning: imitate an expert's games (made first if the dataset is missing).",
            lambda g: BCConfig(
                game=g, game_params=_preset_params(g), out=f"runs/bc_{g}", dataset=f"runs/bc_{g}/expert.npz"
            ),
            presets,
        ),
        _per_game(
            "distill",
            "Distil a teacher network (optionally with search) into a student network.",
            lambda g: DistillConfig(
                game=g, game_params=_preset_params(g), out=f"runs/distill_{g}", teacher=g if g in PRETRAINED else ""
            ),
            presets,
        ),
        _per_game(
            "play",
            "Play against a trained agent in the terminal.",
            lambda g: PlayConfig(game=g, agent=g if g in PRETRAINED else ""),
            available_games(),
        ),
        _per_game(
            "arena",
            "Play a round robin between players and print the Elo table.",
            lambda g: ArenaConfig(game=g, game_params=_preset_params(g), log=f"runs/arena/{g}.jsonl"),
            available_games(),
        ),
        _per_game(
            "compare",
            "Expert iteration vs PPO vs BC under one wall-clock budget, rated together by Elo.",
            lambda g: CompareConfig(game=g),
            presets,
        ),
        _per_game(
            "evaluate",
            "Score a player against perfect play on the game's standard position sets.",
            lambda g: EvaluateCommand(game=g, game_params=DEFAULT_PARAMS.get(g, {})),
            SOLVED_GAMES,
            lambda g: DEFAULT_PARAMS.get(g, {}),
        ),
        Annotated[
            StudyCommand,
            tyro.conf.subcommand("study", description="Run a study of compute (train_test, prior, value_target, ...)."),
        ],
        Annotated[
            DemoConfig,
            tyro.conf.subcommand("demo", description="Play one random game of each game and print kernel throughput."),
        ],
    ]


@dataclass(frozen=True)
class EvaluateCommand(EvaluateConfig):
    """Score a player against perfect play on the game's standard position sets."""

    player: Annotated[str, tyro.conf.Positional, tyro.conf.arg(metavar="PLAYER")] = "perfect"
    """player spec: random, uct:<sims>, perfect[:<eps>], search:<checkpoint>[:<sims>], network:<checkpoint>,
    search-sym:/network-sym: (averaged over the board symmetries)"""


@dataclass(frozen=True)
class StudyCommand(StudyConfig):
    """Run a study (a grid of training runs and evaluations) and write study_<name>.{json,md,png}."""

    name: Annotated[StudyName, tyro.conf.Positional, tyro.conf.arg(metavar="NAME")]
    """train_test, prior, value_target, gumbel_vs_puct, playout_cap or methods"""


RUNNERS: dict[type, Callable[[Any], Any]] = {
    TrainConfig: lambda c: print(f"final checkpoint: {train(c)}"),
    PPOConfig: lambda c: print(f"final checkpoint: {train_ppo(c)}"),
    BCConfig: lambda c: print(f"final checkpoint: {train_bc(c)}"),
    DistillConfig: lambda c: print(f"final checkpoint: {distill(c)}"),
    PlayConfig: run_play,
    ArenaConfig: run_arena,
    CompareConfig: run_compare,
    EvaluateCommand: run_evaluate,
    StudyCommand: run_study_command,
    DemoConfig: run_demo,
}


def parse_args(args: list[str]) -> Any:
    """The config a command line names. A bad command line raises UsageError with tyro's report
    folded into one line (help still prints as tyro formats it)."""
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            return tyro.cli(_app(), args=args, prog="boardzoo", config=(tyro.conf.OmitSubcommandPrefixes,))
    except SystemExit as exit:
        if exit.code in (0, None):
            raise
        raise UsageError(one_line_report(captured.getvalue())) from None


class UsageError(ValueError):
    """A command line tyro could not parse."""


def one_line_report(text: str) -> str:
    """tyro's boxed error report as one line: its first section, the list of choices if it gives
    one, and where to find help."""
    sections: list[list[str]] = [[]]
    for raw in text.splitlines():
        if raw.strip().startswith(("╭", "╰")):  # the box's top and bottom edges
            continue
        line = raw.strip().strip("│").strip()
        if line and not line.strip("─ "):  # a rule inside the box ends a section
            sections.append([])
        elif line:
            sections[-1].append(line)
    sections = [section for section in sections if section]
    if not sections:
        return "bad command line (see boardzoo --help)"
    first = " ".join(sections[0]).split(" Got errors:")[0]
    first = re.sub(r"^Error parsing (__tyro-dummy-inner__\.?)+: ", "", first)
    extra = [" ".join(s) for s in sections[1:] if s[0].startswith("Available subcommands")]
    help_line = next((" ".join(s) for s in sections if s[0].startswith("For full helptext")), "")
    where = re.search(r"(boardzoo[\w -]*--help)", help_line)
    parts = [first, *(f"({e[0].lower()}{e[1:]})" for e in extra), f"(see {where.group(1)})" if where else ""]
    return " ".join(part for part in parts if part)


def main(args: list[str] | None = None) -> None:
    """Entry point of the `boardzoo` console script."""
    args = list(sys.argv[1:] if args is None else args)
    debug = "--debug" in args or os.environ.get("BOARDZOO_DEBUG", "") not in ("", "0")
    args = [a for a in args if a != "--debug"]
    _tune_allocator()
    try:
        config = parse_args(args)
        RUNNERS[type(config)](config)
    except Stopped as stopped:
        print(f"boardzoo: {stopped}", file=sys.stderr)
        raise SystemExit(130) from None
    except KeyboardInterrupt:
        print("boardzoo: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except USER_ERRORS as error:
        if debug:
            raise
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"boardzoo: error: {message}", file=sys.stderr)
        raise SystemExit(2) from None


def _tune_allocator() -> None:
    # The command owns its process, so it may tune glibc's allocator (a library import may not).
    from boardzoo.envs import _malloc

    _malloc.tune_glibc_malloc()

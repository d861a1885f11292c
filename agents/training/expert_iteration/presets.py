"""Default training configs per game: `boardzoo train <game>` starts from these.

Sized for a 2-core CPU: tic-tac-toe in 3 minutes, the others in 30. Every field can be
overridden on the command line (`boardzoo train connect_four --minutes 60 --network.blocks 6`).
"""

from __future__ import annotations

import dataclasses

from boardzoo.agents.models import NetworkConfig
from boardzoo.agents.training.expert_iteration.evaluation import EvaluationConfig
from boardzoo.agents.training.expert_iteration.learner import LearnerConfig
from boardzoo.agents.training.expert_iteration.selfplay import SelfPlayConfig
from boardzoo.agents.training.expert_iteration.train import TrainConfig

_BOARD_GAME = TrainConfig(
    network=NetworkConfig(kind="resnet", blocks=4, channels=32),
    # bf16 self-play where the CPU does it natively: 1.40x the positions/s on the Connect Four
    # preset at equal accuracy against perfect play (benchmarks/results/ablation_connect_four.md).
    # Random openings of 0-8 moves: against perfect play, 60 minutes of Connect Four went from
    # 95.0% / 94.8% to 97.2% / 95.8% optimal moves (search, random / strong set) and 15 minutes
    # of Hex 5x5 from 96.0% to 99.3% on the random set (benchmarks/README.md). The other games
    # take them unmeasured: they only widen the positions self-play sees.
    selfplay=SelfPlayConfig(
        batch_size=256,
        algorithm="gumbel",
        simulations=32,
        cheap_simulations=8,
        full_search_fraction=0.25,
        precision="auto",
        random_opening_moves=8,
    ),
    learner=LearnerConfig(batch_size=256, learning_rate=2e-3),
    replay_capacity=200_000,
    reuse=4.0,
    min_positions=5_000,
    checkpoint_interval=500,
    evaluation=EvaluationConfig(interval=2_000, games=40, ladder=("random", "uct:100", "uct:1000")),
)

PRESETS: dict[str, tuple[str, TrainConfig]] = {
    "tic_tac_toe": (
        "Tic-tac-toe, 3 minutes: a small ResNet, full searches only, random openings.",
        dataclasses.replace(
            _BOARD_GAME,
            game="tic_tac_toe",
            out="runs/tic_tac_toe",
            minutes=3.0,
            network=NetworkConfig(kind="resnet", blocks=2, channels=32),
            # Random openings: without them the final network drifted from 100% to 98.2% optimal
            # moves (search, 2 minutes) as its games all became draws; with them 100% from the
            # first evaluation to the last, network alone too.
            selfplay=SelfPlayConfig(
                batch_size=128, simulations=32, cheap_simulations=8, full_search_fraction=1.0, random_opening_moves=4
            ),
            learner=LearnerConfig(batch_size=128, learning_rate=2e-3),
            replay_capacity=50_000,
            min_positions=1_000,
            checkpoint_interval=200,
            evaluation=EvaluationConfig(interval=500, games=40, ladder=("random", "uct:100")),
        ),
    ),
    "connect_four": (
        "Connect Four (6×7), 30 minutes: ResNet 4×32, Gumbel search 32/8 simulations, learning rate 4e-3.",
        dataclasses.replace(
            _BOARD_GAME,
            game="connect_four",
            out="runs/connect_four",
            # Learning rate 4e-3 instead of 2e-3, against perfect play (search / network alone,
            # benchmarks/README.md): 3 minutes 91.4% / 80.6% against 90.8% / 75.5% (the methods
            # study's sweep); 15 minutes 95.1% / 92.4% against 93.0% / 83.8% (its comparisons);
            # 60 minutes 97.0% / 96.5% (search, random / strong set) against 95.7% / 95.5%, two
            # runs that also differ in overlap and periodic evaluation (ablation_connect_four.md).
            learner=LearnerConfig(batch_size=256, learning_rate=4e-3),
        ),
    ),
    "hex": (
        "Hex 7×7, 30 minutes: ResNet 4×32, Gumbel search 32/8 simulations.",
        dataclasses.replace(_BOARD_GAME, game="hex", game_params={"board_size": 7}, out="runs/hex"),
    ),
    "othello": ("Othello 8×8, 30 minutes.", dataclasses.replace(_BOARD_GAME, game="othello", out="runs/othello")),
    "gomoku": (
        "Gomoku 9×9 (five in a row), 30 minutes.",
        dataclasses.replace(_BOARD_GAME, game="gomoku", game_params={"board_size": 9}, out="runs/gomoku"),
    ),
    "breakthrough": (
        "Breakthrough 8×8, 30 minutes.",
        dataclasses.replace(_BOARD_GAME, game="breakthrough", out="runs/breakthrough"),
    ),
    "go": (
        "Go 9×9, 30 minutes (a start: Go needs far more than this to play well).",
        dataclasses.replace(
            _BOARD_GAME,
            game="go",
            game_params={"board_size": 9},
            out="runs/go",
            network=NetworkConfig(kind="resnet", blocks=4, channels=32, global_pool=True),
        ),
    ),
}

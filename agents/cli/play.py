"""`boardzoo play <game> --agent DIR`: play a trained agent in the terminal.

The board is drawn after every move; type a move by its name (as the board's labels show it,
e.g. "b2" in tic-tac-toe, "d" for a Connect Four column) or by its action number.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO

import numpy as np

from boardzoo.agents.players import DEFAULT_SIMULATIONS, Player, load_agent, network_player
from boardzoo.envs import Game, State, make


@dataclass(frozen=True)
class PlayConfig:
    """Play against a trained agent in the terminal."""

    game: str = "connect_four"
    """game id"""
    agent: str = "connect_four"
    """checkpoint folder, run folder, or pretrained agent name"""
    game_params: dict[str, int] = field(default_factory=dict)
    """game parameters (default: the ones the agent was trained with)"""
    simulations: int = DEFAULT_SIMULATIONS
    """search simulations per agent move (0 = network only)"""
    human_seat: int = 0
    """0 moves first, 1 second"""
    seed: int = 0
    device: str = "cpu"


def parse_move(game: Game, state: State, text: str) -> int:
    """The action a typed move names (its name or number); ValueError naming the legal moves."""
    text = text.strip().lower()
    legal = game.legal_actions(state)
    names = {game.action_name(a).lower(): a for a in legal}
    if text in names:
        return names[text]
    if text.isdigit() and text == str(int(text)) and int(text) in legal:  # no "-0", "+3" or "07"
        return int(text)
    allowed = ", ".join(f"{game.action_name(a)}" for a in legal)
    raise ValueError(f"{text!r} is not a legal move here; legal: {allowed}")


def play_in_terminal(
    game: Game,
    agent: Player,
    human_seat: int,
    rng: np.random.Generator,
    read: TextIO = sys.stdin,
    write: TextIO = sys.stdout,
) -> np.ndarray:
    """One game, human (typing into `read`) vs agent; returns the players' total rewards (so far,
    if the input ends first: the game is then abandoned)."""
    state = game.init(1)
    total = np.zeros(game.num_players)
    while not state.done[0]:
        print(game.render(state), file=write)
        if int(state.current_player[0]) == human_seat:
            while True:
                print("your move: ", end="", file=write, flush=True)
                line = read.readline()
                if not line:
                    print("\ninput ended: game abandoned", file=write)
                    return total
                try:
                    action = parse_move(game, state, line)
                    break
                except ValueError as error:
                    print(error, file=write)
        else:
            action = int(agent.act(state, rng)[0])
            print(f"agent plays {game.action_name(action)}", file=write)
        state = game.step(state, np.array([action]))
        total += state.rewards[0]
    print(game.render(state), file=write)
    outcome = total[human_seat]
    print("you win" if outcome > 0 else "you lose" if outcome < 0 else "draw", file=write)
    return total


def run_play(config: PlayConfig) -> None:
    game_filter = make(config.game, **config.game_params) if config.game_params else config.game
    checkpoint = load_agent(config.agent, game_filter, config.device)
    game = checkpoint.game
    if config.human_seat not in (0, 1):
        raise ValueError(f"human_seat must be 0 or 1, got {config.human_seat}")
    agent = network_player(game, checkpoint.network, simulations=config.simulations, device=config.device)
    print(f"{game!r} against {checkpoint.path} (step {checkpoint.step}); you are player {config.human_seat}")
    play_in_terminal(game, agent, config.human_seat, np.random.default_rng(config.seed))

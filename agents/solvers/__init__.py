"""boardzoo.agents.solvers: perfect play for the solved games, so agents can be scored against it.

    solver = solver_for(make("connect_four", rows=5, columns=5))
    solution = solver.solve(state)      # values int8[B, A] (+1 / 0 / -1, ILLEGAL), distances int16[B, A]

| game | solver | reach |
|---|---|---|
| tic_tac_toe | `TicTacToeSolver`: every position, enumerated with the kernel | all |
| connect_four 6 × 7 (default) | `BitBullySolver` (optional extra `solvers`) | all |
| connect_four, (rows + 1) × columns ≤ 64 | `ConnectFourSolver`: alpha-beta in numba | up to 30 cells from the start |
| hex, swap=False, board_size ≤ 8 | `HexSolver`: win/loss search in numba | up to 5 × 5 from the start |

This layer sits beside `boardzoo.agents.search`: it imports only `boardzoo.envs`, numpy, numba
and (when used) bitbully.
"""

from __future__ import annotations

from boardzoo.agents.solvers.base import DRAW, ILLEGAL, LOSS, UNKNOWN_DISTANCE, WIN, Solution, Solver, position_values
from boardzoo.agents.solvers.bitbully_solver import BitBullySolver, import_bitbully
from boardzoo.agents.solvers.connect_four import ConnectFourSolver
from boardzoo.agents.solvers.exhaustive import TicTacToeSolver
from boardzoo.agents.solvers.hex import HexSolver
from boardzoo.envs import Game

SOLVED_GAMES = ("connect_four", "hex", "tic_tac_toe")
"""the game ids that have a solver (for some parameters)"""


def solver_for(game: Game) -> Solver:
    """The solver for a game: bitbully for standard 7 × 6 Connect Four, our own otherwise.

    Raises:
      ValueError: no solver handles this game or these parameters.
      ImportError: 7 × 6 Connect Four without the optional `bitbully` package.
    """
    if game.id == "tic_tac_toe":
        return TicTacToeSolver(game)
    if game.id == "connect_four":
        standard = dict(game.params) == {"rows": 6, "columns": 7, "x_in_row": 4}
        return BitBullySolver(game) if standard else ConnectFourSolver(game)
    if game.id == "hex":
        return HexSolver(game)
    raise ValueError(f"no perfect-play solver for {game!r}; solved games: {', '.join(SOLVED_GAMES)}")


QUICK_HEX_SIZE = 5
"""the largest Hex board the solver labels from the empty board within seconds"""
QUICK_CONNECT_FOUR_CELLS = 30
"""the largest small Connect Four board (rows × columns) our solver labels within seconds"""


def quick_solver_for(game: Game) -> Solver | None:
    """The solver when it labels a standard position set within seconds to a minute (what a
    training run's periodic evaluation can afford), else None: tic-tac-toe; 7 × 6 Connect Four
    when `bitbully` is installed; small Connect Four boards up to 30 cells; Hex up to 5 × 5."""
    if game.id == "tic_tac_toe":
        return solver_for(game)
    if game.id == "connect_four":
        params = dict(game.params)
        if params == {"rows": 6, "columns": 7, "x_in_row": 4}:
            try:
                import_bitbully()
            except ImportError:
                return None
            return solver_for(game)
        return solver_for(game) if params["rows"] * params["columns"] <= QUICK_CONNECT_FOUR_CELLS else None
    if game.id == "hex" and not game.params["swap"] and game.params["board_size"] <= QUICK_HEX_SIZE:
        return solver_for(game)
    return None


__all__ = [
    "DRAW",
    "ILLEGAL",
    "LOSS",
    "SOLVED_GAMES",
    "UNKNOWN_DISTANCE",
    "WIN",
    "BitBullySolver",
    "ConnectFourSolver",
    "HexSolver",
    "Solution",
    "Solver",
    "TicTacToeSolver",
    "import_bitbully",
    "position_values",
    "quick_solver_for",
    "solver_for",
]

"""RGB rendering of any game's board from its cells (no game rules here).

Square boards draw one disc per cell; hex boards draw the rhombus with each row shifted
half a cell, as the ASCII rendering does.
"""

from __future__ import annotations

import numpy as np

from boardzoo.envs._checks import check_row, describe
from boardzoo.envs.core import Game, State

CELL_PIXELS = 32
_BACKGROUND = np.array([222, 184, 135], dtype=np.uint8)  # board wood
_COLOURS = np.array([[245, 235, 215], [20, 20, 20], [200, 40, 40]], dtype=np.uint8)  # empty, p0, p1


def render_rgb(game: Game, state: State, row: int = 0) -> np.ndarray:
    """uint8[H_px, W_px, 3] picture of one row's board (`state` must be `game`'s)."""
    if not isinstance(game, Game):
        raise TypeError(f"game must be a Game, got {describe(game)}")
    game.check_state(state)
    cells = game.cells_fn(state)[check_row(row, state.batch_size)]
    height, width = cells.shape
    shift = CELL_PIXELS // 2 if game.cell_layout == "hex" else 0
    image = np.empty((height * CELL_PIXELS, width * CELL_PIXELS + shift * (height - 1), 3), np.uint8)
    image[:] = _BACKGROUND
    yy, xx = np.mgrid[:CELL_PIXELS, :CELL_PIXELS]
    centre = (CELL_PIXELS - 1) / 2
    disc = (yy - centre) ** 2 + (xx - centre) ** 2 <= (0.42 * CELL_PIXELS) ** 2
    for r in range(height):
        for c in range(width):
            top, left = r * CELL_PIXELS, c * CELL_PIXELS + r * shift
            patch = image[top : top + CELL_PIXELS, left : left + CELL_PIXELS]
            patch[disc] = _COLOURS[cells[r, c]]
    return image

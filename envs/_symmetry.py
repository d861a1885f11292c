"""Board symmetries: the `Symmetry` record and the cell permutations of rectangular grids."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# The 8 symmetries of the square, identity first (`grid_symmetries` names).
SQUARE_SYMMETRIES = (
    "identity",
    "rot90",
    "rot180",
    "rot270",
    "flip_lr",
    "flip_ud",
    "transpose",
    "anti_transpose",
)


@dataclass(frozen=True)
class Symmetry:
    """A board symmetry that maps positions to equivalent positions with the same values.

    Attributes:
      name: e.g. "rot90", "flip_lr".
      cell_source: int[H*W]; flat cell k of the transformed board shows cell cell_source[k].
      action_source: int[A]; action k of the transformed position is action_source[k] before.
    """

    name: str
    cell_source: np.ndarray
    action_source: np.ndarray

    def observation(self, obs: np.ndarray) -> np.ndarray:
        """Transform float32[..., C, H, W] observations."""
        flat = obs.reshape(*obs.shape[:-2], -1)
        return flat[..., self.cell_source].reshape(obs.shape)

    def policy(self, values: np.ndarray) -> np.ndarray:
        """Transform per-action arrays [..., A] (policies, masks, logits)."""
        return values[..., self.action_source]

    def action(self, actions: np.ndarray) -> np.ndarray:
        """Map actions int[...] of the original position to the transformed one."""
        return self._action_target[actions]

    @functools.cached_property
    def _action_target(self) -> np.ndarray:
        # int[A]: the inverse permutation of action_source, computed once.
        inverse = np.empty_like(self.action_source)
        inverse[self.action_source] = np.arange(self.action_source.size)
        return inverse


def grid_symmetries(height: int, width: int, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Cell permutations (int[H*W], see `Symmetry.cell_source`) of an H×W grid by name.

    Names: identity, rot90, rot180, rot270, flip_lr, flip_ud, transpose, anti_transpose.
    rot90/rot270/transpose/anti_transpose need a square grid.
    """
    grid = np.arange(height * width).reshape(height, width)
    transforms: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "identity": lambda g: g,
        "rot90": lambda g: np.rot90(g, 1),
        "rot180": lambda g: np.rot90(g, 2),
        "rot270": lambda g: np.rot90(g, 3),
        "flip_lr": np.fliplr,
        "flip_ud": np.flipud,
        "transpose": lambda g: g.T,
        "anti_transpose": lambda g: np.rot90(g, 2).T,
    }
    return {name: np.ascontiguousarray(transforms[name](grid)).ravel() for name in names}


def cell_symmetries(height: int, width: int, names: tuple[str, ...], *, fixed_actions: int = 0) -> tuple[Symmetry, ...]:
    """Symmetries of a game whose actions are the H×W cells (row * W + col), then
    `fixed_actions` more actions that every symmetry keeps (a pass, a swap)."""
    extra = np.arange(height * width, height * width + fixed_actions)
    permutations = grid_symmetries(height, width, names)
    return tuple(Symmetry(name, perm, np.concatenate([perm, extra])) for name, perm in permutations.items())

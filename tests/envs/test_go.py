"""Go rules on hand-played positions, the OpenSpiel oracle (with the superko difference
counted), and perft against OpenSpiel."""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.envs import IllegalActionError, api_test, sample_legal_actions
from boardzoo.envs.go import make_game

from .perft import perft, spiel_perft
from .positions import board, play


def moves(game, text: str) -> list[int]:
    """Actions from names like "c3 pass a1" (a1 = bottom-left)."""
    size = game.params["board_size"]
    out = []
    for name in text.split():
        if name == "pass":
            out.append(size * size)
        else:
            out.append((int(name[1:]) - 1) * size + ord(name[0]) - ord("a"))
    return out


def cell(game, name: str) -> int:
    return moves(game, name)[0]


def test_single_stone_capture():
    game = make_game(board_size=5)
    state = play(game, moves(game, "a2 b2 c2 e5 b1 e4 b3"))  # x surrounds o's b2
    assert game.render(state, 0) == board(
        """
          a b c d e
        5 . . . . o
        4 . . . . o
        3 . x . . .
        2 x . x . .
        1 . x . . .
        """
    )
    b2 = cell(game, "b2")
    assert state.board[0, b2] == 0 and not state.legal_action_mask[0, b2]  # empty again, suicide for o
    assert not state.terminated[0] and state.current_player[0] == 1


def test_chain_capture_in_the_corner():
    game = make_game(board_size=5)
    state = play(game, moves(game, "b1 a1 b2 a2 pass e5 a3"))  # o's a1-a2 chain has no liberty left
    assert game.render(state, 0) == board(
        """
          a b c d e
        5 . . . . o
        4 . . . . .
        3 x . . . .
        2 . x . . .
        1 . x . . .
        """
    )


def test_suicide_is_illegal_unless_it_captures():
    game = make_game(board_size=5)
    state = play(game, moves(game, "e5 a2 e4 b1"))  # o's two stones guard the empty a1
    assert state.current_player[0] == 0 and not state.legal_action_mask[0, cell(game, "a1")]
    with pytest.raises(IllegalActionError, match=r"action 0 in row 0 \(a1\) is illegal"):
        game.step(state, np.array([cell(game, "a1")]))
    # Put both o stones in atari: now x at a1 captures them, so it is legal.
    state = play(game, moves(game, "e5 a2 e4 b1 a3 pass c1 pass b2 pass"))
    assert state.legal_action_mask[0, cell(game, "a1")]
    state = game.step(state, np.array([cell(game, "a1")]))
    assert state.board[0, cell(game, "a2")] == 0 and state.board[0, cell(game, "b1")] == 0


def test_simple_ko_recapture_is_illegal_until_a_move_elsewhere():
    game = make_game(board_size=5)
    # x: b1 a2 b3 c2 ; o: c1 d2 c3 (and b2 to capture): a ko at b2/c2.
    setup = "b1 c1 a2 d2 b3 c3 c2 e5 pass b2"  # o plays b2 capturing x's c2
    state = play(game, moves(game, setup))
    assert game.render(state, 0) == board(
        """
          a b c d e
        5 . . . . o
        4 . . . . .
        3 . x o . .
        2 x o . o .
        1 . x o . .
        """
    )
    assert state.current_player[0] == 0
    assert not state.legal_action_mask[0, cell(game, "c2")]  # immediate recapture: repetition
    state = play(game, moves(game, setup + " e1 e2"))  # a threat and an answer elsewhere
    assert state.legal_action_mask[0, cell(game, "c2")]


def test_positional_superko_forbids_an_older_repetition():
    # Found by the oracle: x's c1 recreates the position after ply 12, not a simple ko, so
    # OpenSpiel allows it (and ends the game as a draw); our rules make it illegal.
    game = make_game(board_size=5)
    history = "d3 a5 e1 c3 b4 a4 b3 d1 c1 c2 a2 e3 c4 a1 c5 b2 e4 d2 b1 a1"
    state = play(game, moves(game, history))
    assert game.render(state, 0) == board(
        """
          a b c d e
        5 o . x . .
        4 o x x . x
        3 . x o x o
        2 x o o o .
        1 o . . o x
        """
    )
    assert state.current_player[0] == 0 and not state.legal_action_mask[0, cell(game, "c1")]
    assert state.legal_action_mask[0, cell(game, "b1")]  # not suicide either: excluded by superko only
    pyspiel = pytest.importorskip("pyspiel")
    spiel = pyspiel.load_game("go", {"board_size": 5}).new_initial_state()
    for action in moves(game, history):
        spiel.apply_action(action)
    assert cell(game, "c1") in spiel.legal_actions()
    spiel.apply_action(cell(game, "c1"))
    assert spiel.is_terminal() and spiel.returns() == [0.0, 0.0]


def wall_game(komi: float, columns_between: str) -> tuple:
    """x builds a wall on column b, o on column d; the rest of the board is left empty."""
    game = make_game(board_size=5, komi=komi)
    black = [f"b{r}" for r in range(1, 6)]
    white = [f"{columns_between}{r}" for r in range(1, 6)]
    sequence = " ".join(f"{x} {o}" for x, o in zip(black, white, strict=True)) + " pass pass"
    return game, play(game, moves(game, sequence))


def test_area_scoring_with_komi_decides_the_winner():
    # Walls on b and c: x owns a-b (10 points), o owns c-e (15 points).
    _, state = wall_game(7.5, "c")
    assert state.terminated[0] and not state.truncated[0]
    assert state.rewards[0].tolist() == [-1.0, 1.0]
    _, state = wall_game(-6.0, "c")  # a reverse komi of 6 hands x the win: 10 > 15 - 6
    assert state.rewards[0].tolist() == [1.0, -1.0]


def test_neutral_points_count_for_nobody_and_equal_scores_draw():
    # Walls on b and d: column c touches both colours, so it is neutral: 10 - 10 with komi 0.
    game, state = wall_game(0.0, "d")
    assert game.render(state, 0) == board(
        """
          a b c d e
        5 . x . o .
        4 . x . o .
        3 . x . o .
        2 . x . o .
        1 . x . o .
        """
    )
    assert state.terminated[0] and state.rewards[0].tolist() == [0.0, 0.0]
    assert wall_game(0.5, "d")[1].rewards[0].tolist() == [-1.0, 1.0]


def test_two_passes_end_the_game_and_komi_wins_an_empty_board():
    game = make_game(board_size=5)
    state = play(game, moves(game, "pass"))
    assert not state.done[0] and state.legal_action_mask[0].all()
    state = game.step(state, np.array([25]))
    assert state.terminated[0] and state.rewards[0].tolist() == [-1.0, 1.0]


def test_length_cap_truncates_and_scores():
    game = make_game(board_size=5, max_game_length=4)
    state = play(game, moves(game, "a1 e5 a2 e4"))
    assert state.truncated[0] and not state.terminated[0]
    assert state.rewards[0].tolist() == [-1.0, 1.0]  # 2 - 2 stones; empty area is shared; komi
    assert not state.legal_action_mask[0].any()
    assert make_game(board_size=9).max_game_length == 162


def test_observation_planes_and_seat():
    game = make_game(board_size=5)
    state = play(game, moves(game, "a1"))
    obs = game.observe(state)[0]  # white to move
    assert obs[1, 0, 0] == 1 and obs[0].sum() == 0 and obs[2].min() == 1
    black_view = game.observe(state, 0)[0]
    assert black_view[0, 0, 0] == 1 and black_view[2].max() == 0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"board_size": 4}, "board_size=4 is out of range; allowed: 5..19"),
        ({"board_size": 21}, "board_size=21 is out of range; allowed: 5..19"),
        ({"komi": float("nan")}, "komi must be a finite number in -81..81"),
        ({"komi": "7.5"}, "komi must be a finite number"),
        ({"max_game_length": 0}, "max_game_length=0 is out of range; allowed: 1..324"),
    ],
)
def test_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        make_game(**params)


@pytest.mark.parametrize("size", [5, 9, 13])
def test_api_test(size):
    api_test(make_game(board_size=size), batch_size=16)


def go_lockstep(size: int, num_games: int, seed: int, *, check_every_move: bool = False) -> dict[str, int]:
    """Random games in lockstep with OpenSpiel; a game's comparison stops where superko differs.
    `check_every_move`: also play each of our legal stone moves in OpenSpiel, where none may end
    the game as its superko draw (our mask must leave out every repetition, not only some)."""
    pyspiel = pytest.importorskip("pyspiel")
    game = make_game(board_size=size)
    spiel_game = pyspiel.load_game("go", {"board_size": size})
    spiel = [spiel_game.new_initial_state() for _ in range(num_games)]
    state = game.init(num_games)
    stopped = np.zeros(num_games, dtype=bool)
    counts = {"games": num_games, "superko_differences": 0, "truncated": 0}
    rng = np.random.default_rng(seed)
    while not (state.done | stopped).all():
        for b in np.flatnonzero(~state.done & ~stopped):
            ours, theirs = set(np.flatnonzero(state.legal_action_mask[b])), set(spiel[b].legal_actions())
            assert ours <= theirs, f"game {b}: we allow {sorted(ours - theirs)}"
            if ours != theirs:  # each extra OpenSpiel move must be its superko draw
                for action in theirs - ours:
                    child = spiel[b].clone()
                    child.apply_action(action)
                    assert child.is_terminal() and child.returns() == [0.0, 0.0], f"game {b} action {action}"
                stopped[b] = True
                counts["superko_differences"] += 1
            if check_every_move:
                for action in ours - {size * size}:
                    child = spiel[b].clone()
                    child.apply_action(int(action))
                    # With komi 7.5 nothing but OpenSpiel's superko rule ends a game drawn.
                    assert not (child.is_terminal() and child.returns() == [0.0, 0.0]), f"game {b}: {action}"
                    counts["stone_moves_checked"] = counts.get("stone_moves_checked", 0) + 1
        moving = ~state.done & ~stopped
        actions = sample_legal_actions(state.legal_action_mask, rng)
        state = game.step(state, actions, where=moving)
        for b in np.flatnonzero(moving):
            spiel[b].apply_action(int(actions[b]))
            assert bool(state.done[b]) == spiel[b].is_terminal(), f"game {b} ply {state.step_count[b]}"
            if state.done[b]:
                assert state.rewards[b].tolist() == spiel[b].returns(), f"game {b}"
                counts["truncated"] += int(state.truncated[b])
    return counts


@pytest.mark.parametrize(("size", "num_games"), [(5, 2000), (9, 2000)])
def test_random_games_agree_with_openspiel_up_to_superko(size, num_games):
    counts = go_lockstep(size, num_games, seed=size)
    print(counts)
    # Repetitions are rare but do occur in random play; the length cap is reached too.
    assert 0 < counts["superko_differences"] < 0.05 * num_games
    assert counts["truncated"] > 0


def test_no_legal_stone_move_recreates_a_position():
    # The mask skips the repetition check while a move that captures nothing cannot repeat a
    # position (the board holds the most stones yet); every move it allows is checked here.
    counts = go_lockstep(5, 300, seed=11, check_every_move=True)
    assert counts["superko_differences"] > 0 and counts["stone_moves_checked"] > 10_000


@pytest.mark.parametrize(("size", "depth"), [(5, 3), (9, 3)])
def test_perft_matches_openspiel(size, depth):
    pyspiel = pytest.importorskip("pyspiel")
    ours = perft(make_game(board_size=size), depth)
    theirs = spiel_perft(pyspiel.load_game("go", {"board_size": size}).new_initial_state(), depth)
    assert ours == theirs
    # From the empty board, 3 plies allow no suicide and no repetition, so the count is
    # closed-form: point-point-any, point-pass-any, pass-point-any, and pass-pass (a leaf).
    cells = size * size
    assert ours == cells * (cells - 1) * (cells - 1) + 2 * cells * cells + 1

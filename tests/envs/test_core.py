"""Kernel contract for every game: invariants, bad input, batch equals single, symmetries."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from boardzoo.envs import IllegalActionError, api_test, available_games, make, reset_finished, sample_legal_actions

from .positions import play_random


def test_registry_lists_the_games():
    assert available_games() == ("breakthrough", "connect_four", "go", "gomoku", "hex", "othello", "tic_tac_toe")


def test_api_test_passes(game):
    api_test(game, batch_size=64, seed=3)


def test_api_test_catches_a_kernel_that_rewards_finished_rows():
    game = make("tic_tac_toe")
    real_apply = game.apply

    def leaky_apply(state, action, active):
        real_apply(state, action, active)
        state.rewards[~active] = 1.0  # breaks "finished rows get zero rewards"

    broken = type(game)(**{**game.__dict__, "apply": leaky_apply})
    with pytest.raises(AssertionError):
        api_test(broken, batch_size=16)


def test_api_test_catches_a_playout_fn_that_disagrees_with_stepping():
    game = make("hex", board_size=5)
    real_playouts = game.playout_fn
    assert real_playouts is not None
    api_test(game, batch_size=16)

    def off_by_one_ply(state, keys):  # draws every move from the neighbouring key
        return real_playouts(state, keys + np.uint64(1))

    broken = type(game)(**{**game.__dict__, "playout_fn": off_by_one_ply})
    with pytest.raises(AssertionError, match="playout_fn disagrees"):
        api_test(broken, batch_size=16)


@pytest.mark.parametrize("bad_id", ["chess", "Connect_Four", ""])
def test_unknown_game_id_names_the_id_and_the_choices(bad_id):
    available = "breakthrough, connect_four, go, gomoku, hex, othello, tic_tac_toe"
    with pytest.raises(ValueError, match=rf"unknown game id '{bad_id}'; available: {available}"):
        make(bad_id)


@pytest.mark.parametrize("size", [0, 1, 20, 25, -3])
def test_bad_board_size_names_the_value_and_range(size):
    with pytest.raises(ValueError, match=rf"board_size={size} is out of range; allowed: 2..19"):
        make("hex", board_size=size)


@pytest.mark.parametrize("size", [7.0, "7", True, None])
def test_non_int_board_size_is_rejected(size):
    with pytest.raises(ValueError, match="board_size must be an int in 2..19"):
        make("hex", board_size=size)


def test_unknown_parameter_is_rejected_with_the_allowed_ones():
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['size'\]; allowed: \['board_size', 'swap'\]"):
        make("hex", size=7)
    with pytest.raises(ValueError, match="allowed: none"):
        make("tic_tac_toe", board_size=4)


def test_illegal_action_names_row_action_and_legal_set():
    game = make("tic_tac_toe")
    state = game.step(game.init(2), np.array([4, 0]))
    expected = r"action 4 in row 0 \(b2\) is illegal; legal actions there: \[0, 1, 2, 3, 5, 6, 7, 8\]"
    with pytest.raises(IllegalActionError, match=expected):
        game.step(state, np.array([4, 1]))


@pytest.mark.parametrize("action", [-1, 7, 100])
def test_out_of_range_action_is_an_error_not_clipped(action):
    game = make("connect_four")
    with pytest.raises(IllegalActionError, match=rf"action {action} in row 0 is out of range 0..6"):
        game.step(game.init(1), np.array([action]))


def test_full_column_is_illegal():
    game = make("connect_four")
    state = game.init(1)
    for _ in range(6):
        state = game.step(state, np.array([3]))
    with pytest.raises(IllegalActionError, match=r"action 3 in row 0 \(d\) is illegal"):
        game.step(state, np.array([3]))


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (np.array([0.0]), "action must be an integer array, got dtype float64"),
        (np.array([True]), "action must be an integer array, got dtype bool"),
        (np.array([0, 1]), r"action must have shape \(1,\) for this batch, got \(2,\)"),
        (np.array([[0]]), r"action must have shape \(1,\) for this batch, got \(1, 1\)"),
        (3, r"action must have shape \(1,\) for this batch, got \(\)"),
    ],
)
def test_wrong_action_dtype_or_shape(action, message):
    game = make("connect_four")
    with pytest.raises(ValueError, match=message):
        game.step(game.init(1), action)


def test_batch_size_must_be_positive():
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        make("hex").init(0)


def test_finished_rows_ignore_any_action_and_keep_zero_rewards():
    game = make("tic_tac_toe")
    state = game.init(2)
    for move in (0, 3, 1, 4, 2):  # x wins the top row in row 0 and row 1
        state = game.step(state, np.array([move, move]))
    assert state.terminated.all() and (state.rewards == [[1, -1], [1, -1]]).all()
    after = game.step(state, np.array([-5, 99]))  # garbage is fine for finished rows
    assert not after.rewards.any()
    assert np.array_equal(after.legal_action_mask, state.legal_action_mask)
    assert not after.legal_action_mask.any()
    np.testing.assert_array_equal(after.board, state.board)


def test_where_moves_only_the_selected_rows():
    game = make("connect_four")
    state = game.init(3)
    after = game.step(state, np.array([0, 9, 2]), where=np.array([True, False, True]))  # 9 ignored
    assert after.step_count.tolist() == [1, 0, 1]
    assert after.board[1].sum() == 0 and after.board[0, 5, 0] == 1 and after.board[2, 5, 2] == 1


def test_resign_ends_the_game_for_the_player_to_move():
    game = make("connect_four")
    state = game.step(game.init(2), np.array([0, 0]))  # player 1 to move in both
    after = game.resign(state, np.array([True, False]))
    assert after.terminated.tolist() == [True, False]
    assert after.rewards.tolist() == [[1.0, -1.0], [0.0, 0.0]]
    assert not after.legal_action_mask[0].any() and after.legal_action_mask[1].all()


def test_in_place_step_and_resign_equal_the_pure_ones_and_reuse_the_arrays(game):
    states, actions = play_random(game, 16, seed=5)
    state = states[0].copy()
    arrays = {k: id(v) for k, v in state.__dict__.items()}
    for before, action in zip(states, actions, strict=False):
        assert game.step(state, action, in_place=True) is state
        assert_same_state(state, game.step(before, action))
    assert {k: id(v) for k, v in state.__dict__.items()} == arrays
    live = game.init(4)
    game.resign(live, np.array([True, False, True, False]), in_place=True)
    assert live.terminated.tolist() == [True, False, True, False]


def test_in_place_step_leaves_the_state_untouched_on_an_illegal_action():
    game = make("tic_tac_toe")
    state = game.step(game.init(2), np.array([4, 0]))
    before = state.copy()
    with pytest.raises(IllegalActionError, match="action 0 in row 1"):
        game.step(state, np.array([0, 0]), in_place=True)  # row 0 is fine, row 1 is not
    assert_same_state(state, before)


def assert_same_state(a, b):
    for name, value in a.__dict__.items():
        np.testing.assert_array_equal(value, b.__dict__[name], err_msg=name)


def test_batch_equals_single(game):
    batch = 24
    states, actions = play_random(game, batch, seed=11)
    for b in range(batch):
        single = game.init(1)
        for ply, action in enumerate(actions):
            assert single.take(np.array([0])).__dict__.keys() == states[ply].__dict__.keys()
            for name, value in states[ply].__dict__.items():
                np.testing.assert_array_equal(value[b], single.__dict__[name][0], err_msg=f"row {b} ply {ply} {name}")
            np.testing.assert_array_equal(game.observe(states[ply])[b], game.observe(single)[0])
            single = game.step(single, action[b : b + 1])


def test_observations_are_the_stone_planes_of_the_board_from_either_side(game):
    # Written here with numpy from the board field (an independent statement of the planes the
    # numba kernel writes): own stones, the opponent's, and for games whose sides differ a
    # plane of ones where the point of view is player 1. Also on rows that are not contiguous.
    states, _ = play_random(game, 12, seed=7)
    channels, height, width = game.observation_shape
    for state in states[:: max(1, len(states) // 6)]:
        board = state.board.reshape(state.batch_size, height, width)
        for player in (state.current_player, 0, 1):
            seen = np.broadcast_to(np.asarray(player, np.int32), (state.batch_size,))
            own = (seen + 1)[:, None, None]
            expected = [board == own, (board != 0) & (board != own)]
            if channels == 3:
                expected.append(np.broadcast_to((seen == 1)[:, None, None], board.shape))
            np.testing.assert_array_equal(game.observe(state, player), np.stack(expected, axis=1).astype(np.float32))
        every_other = state._from_arrays({name: value[::2] for name, value in state.__dict__.items()})
        np.testing.assert_array_equal(game.observe(every_other), game.observe(state)[::2])


def test_same_seed_same_games_different_seed_different_games(game):
    a, _ = play_random(game, 8, seed=5)
    b, _ = play_random(game, 8, seed=5)
    c, _ = play_random(game, 8, seed=6)
    assert all(np.array_equal(x.legal_action_mask, y.legal_action_mask) for x, y in zip(a, b, strict=True))
    last = game.cells_fn(a[-1])
    assert np.array_equal(last, game.cells_fn(b[-1]))
    if game.num_actions > 4:
        assert not np.array_equal(last, game.cells_fn(c[-1]))


def test_symmetries_map_games_to_equivalent_games(game):
    """Playing the mapped moves gives the mapped observations, masks and the same rewards."""
    states, actions = play_random(game, 16, seed=2)
    for symmetry in game.symmetries:
        mirrored = game.init(16)
        for ply, action in enumerate(actions):
            original = states[ply]
            np.testing.assert_array_equal(symmetry.observation(game.observe(original)), game.observe(mirrored))
            np.testing.assert_array_equal(symmetry.policy(original.legal_action_mask), mirrored.legal_action_mask)
            mirrored = game.step(mirrored, symmetry.action(action) * ~original.done)
            np.testing.assert_array_equal(mirrored.rewards, states[ply + 1].rewards)


def test_symmetry_count_per_game():
    assert make("tic_tac_toe").symmetries[0].name == "identity"
    assert len(make("tic_tac_toe").symmetries) == 8
    assert [s.name for s in make("connect_four").symmetries] == ["identity", "flip_lr"]
    assert [s.name for s in make("hex", board_size=5).symmetries] == ["identity", "rot180"]


def test_sample_legal_actions_is_uniform_and_skips_finished_rows():
    mask = np.zeros((3, 5), dtype=bool)
    mask[0, [1, 3]] = True
    mask[1, :] = True
    rng = np.random.default_rng(0)
    draws = np.stack([sample_legal_actions(mask, rng) for _ in range(20000)])
    assert set(np.unique(draws[:, 0])) == {1, 3}
    assert (draws[:, 2] == -1).all()
    counts = np.bincount(draws[:, 1], minlength=5) / len(draws)
    np.testing.assert_allclose(counts, 0.2, atol=0.012)


@pytest.mark.parametrize("num_actions", [361, 768])  # byte scan; uint64-word scan (A % 8 == 0)
def test_sample_legal_actions_is_uniform_with_few_legal_among_many(num_actions):
    # 3 legal actions among hundreds: a few rejection misses, then the k-th legal action.
    legal = [0, 200, num_actions - 1]
    mask = np.zeros((20000, num_actions), dtype=bool)
    mask[:, legal] = True
    draws = sample_legal_actions(mask, np.random.default_rng(1))
    assert set(np.unique(draws)) == set(legal)
    np.testing.assert_allclose(np.bincount(draws, minlength=num_actions)[legal] / 20000, 1 / 3, atol=0.015)


def test_reset_finished_replaces_only_finished_rows():
    game = make("tic_tac_toe")
    state = game.init(2)
    for move in (0, 3, 1, 4, 2):
        state = game.step(state, np.array([move, 8 - move]), where=np.array([True, move < 3]))
    assert state.terminated.tolist() == [True, False]
    fresh = reset_finished(game, state)
    assert fresh.step_count.tolist() == [0, state.step_count[1]]
    assert fresh.legal_action_mask[0].all() and not fresh.terminated.any()
    np.testing.assert_array_equal(fresh.board[1], state.board[1])
    assert state.terminated[0]  # input untouched
    owned = state.copy()
    assert reset_finished(game, owned, in_place=True) is owned
    np.testing.assert_array_equal(owned.board, fresh.board)
    assert owned.legal_action_mask[0].all() and owned.step_count.tolist() == fresh.step_count.tolist()


def test_games_pickle_by_id_and_params():
    game = make("hex", board_size=7, swap=True)
    clone = pickle.loads(pickle.dumps(game))
    assert clone.params == {"board_size": 7, "swap": True} and clone.num_actions == 50


def test_observe_rejects_bad_player():
    game = make("connect_four")
    with pytest.raises(ValueError, match=r"player must be in 0..1, got 2"):
        game.observe(game.init(1), 2)

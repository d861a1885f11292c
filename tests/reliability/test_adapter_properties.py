"""Generated call sequences against every adapter, on all games (small boards).

Each call either does what its API says (a legal action advances the kernel state exactly as
`Game.step` with a plain int64 array does) or raises a documented error: `ValueError`
(`IllegalActionError`, `AgentError` among them) or `TypeError`, and where the API's contract
mandates it, `ResetNeeded` / `RuntimeError` (Gymnasium, SB3: call order), `AssertionError` and
`AttributeError` (PettingZoo before reset), `AttributeError` (SB3: unknown names). A refused
call changes nothing. Anything else (KeyError, IndexError, OverflowError, numba's) fails.

2. Values: actions, agents, seeds, indices, constructor arguments, opponents' replies.
3. Contracts: call order (step before reset, after the end), PettingZoo's end of a game.
"""

from __future__ import annotations

import itertools
from functools import partial
from typing import Any

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from boardzoo.envs import IllegalActionError
from boardzoo.wrappers import aec_raw_env
from boardzoo.wrappers._checks import AgentError, ResetNeeded
from boardzoo.wrappers.gymnasium import BoardGameEnv
from boardzoo.wrappers.sb3 import BoardGameVecEnv
from boardzoo.wrappers.vector import BoardGameVectorEnv

from ._inputs import DOCUMENTED, EXTREMES, GAMES, SMALL, fits, game_ids, handled, int_like, outcome, same_state

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ORDER = (ResetNeeded, RuntimeError)


def lowest_legal(state, rng):
    return state.legal_action_mask.argmax(axis=1)


class Reply:
    """An opponent answering in one (bad) way; errors about it must name its repr."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __call__(self, state, rng):
        legal = lowest_legal(state, rng)
        return {
            "floats": lambda: legal.astype(float),
            "bools": lambda: np.ones(state.batch_size, bool),
            "strings": lambda: legal.astype(str),
            "one too many": lambda: np.append(legal, 0),
            "2-d": lambda: legal[:, None],
            "-1": lambda: np.full(state.batch_size, -1),
            "illegal": lambda: state.legal_action_mask.argmin(axis=1),  # an illegal action if any
            "huge": lambda: np.full(state.batch_size, 2**64 - 1, dtype=np.uint64),
            "None": lambda: None,
        }[self.kind]()

    def __repr__(self) -> str:
        return f"Reply({self.kind!r})"


BAD_REPLIES = ["floats", "bools", "strings", "one too many", "2-d", "-1", "illegal", "huge", "None"]
# name -> (opponent, True if it replies well, None if the constructor must refuse it)
OPPONENTS = {
    "random": ("random", True),
    "lowest legal": (lowest_legal, True),
    "lowest legal, list of uint16": (lambda s, r: [np.uint16(a) for a in lowest_legal(s, r)], True),
    "unknown name": ("minimax", None),
    "not callable": (42, None),
    **{f"reply {k}": (Reply(k), False) for k in BAD_REPLIES},
}
SEATS = [0, 1, None, 2, -1, True, "0", 1.0, np.int64(1)]
SEEDS = [None, 0, 7, 2**40, np.int64(3), -1, 1.5, "1", True, [1, 2]]
GOOD_SEEDS = [s for s in SEEDS if s is None or (int_like(s) and s >= 0)]
ENV_SEEDS = SEEDS[1:]  # seed=None draws fresh entropy: the envs' tests must replay exactly


@st.composite
def single_actions(draw: Any, mask: np.ndarray) -> Any:
    """One action: mostly legal (in any integer form), else out of range, extreme, not an int."""
    legal = np.flatnonzero(mask).tolist() or [0]
    kind = draw(st.sampled_from(["legal"] * 4 + ["int", "extreme", "float", "bool", "str", "None", "1-d"]))
    event(f"action: {kind}")
    value = draw(st.sampled_from(legal)) if kind == "legal" else draw(st.integers(-2, mask.size + 2))
    if kind in ("legal", "int"):
        dtypes = [d for d in ("int8", "uint8", ">i2", "<u2", "int64", "uint64") if fits(np.dtype(d), [value])]
        form = draw(st.sampled_from(["int", "numpy scalar", "0-d array"]))
        if form == "int":
            return kind, value
        dtype = np.dtype(draw(st.sampled_from(dtypes)))
        return kind, np.array(value, dtype=dtype) if form == "0-d array" else dtype.type(value)
    others = {"extreme": draw(st.sampled_from(EXTREMES)), "float": float(value), "bool": True, "str": str(value)}
    return kind, others.get(kind, None if kind == "None" else np.array([value]))


def is_legal(action: Any, mask: np.ndarray) -> bool:
    return int_like(action) and 0 <= int(action) < mask.size and bool(mask[int(action)])


@SETTINGS
@given(game_ids, st.data())
def test_3_aec_env_follows_pettingzoo_and_steps_exactly_like_the_kernel(game_id, data):
    game = GAMES[game_id]
    env = aec_raw_env(game_id, render_mode="ansi", **SMALL[game_id])
    has_reset = data.draw(st.integers(0, 3)) > 0  # most sequences start with a reset
    if has_reset:
        env.reset(seed=0)
    for _ in range(data.draw(st.integers(1, 60))):
        op = data.draw(st.sampled_from(["step"] * 6 + ["reset", "observe", "last", "spaces", "iter", "render"]))
        event(f"AEC: {op}")
        if op == "reset":
            seed = data.draw(st.sampled_from(SEEDS))
            result, _ = outcome(lambda seed=seed: env.reset(seed=seed))
            assert (result == "ok") == any(seed is s for s in GOOD_SEEDS), f"reset(seed={seed!r})"
            if result == "error":
                handled(2, f"AEC reset(seed={seed!r})")
            has_reset = has_reset or result == "ok"
        elif op in ("observe", "spaces"):
            agent = data.draw(st.sampled_from(["player_0", "player_1", "player_2", "", 0, None, ("player_0",)]))
            calls = [env.observe] if op == "observe" else [env.action_space, env.observation_space]
            if op == "observe" and not has_reset:
                assert outcome(lambda agent=agent: env.observe(agent), (AssertionError,))[0] == "error"
                handled(3, "AEC observe before reset")
                continue
            for call in calls:
                result, answer = outcome(lambda call=call, agent=agent: call(agent))
                assert (result == "ok") == (agent in ("player_0", "player_1")), answer
                assert result == "ok" or isinstance(answer, AgentError)
                if result == "error":
                    handled(2, f"AEC unknown agent {agent!r}")
        elif not has_reset:  # PettingZoo's order errors
            allowed = (AttributeError,) if op == "last" else (AssertionError,)
            call = {"step": lambda: env.step(0), "last": env.last, "render": env.render}
            call["iter"] = lambda: next(iter(env.agent_iter()))
            assert outcome(call[op], allowed)[0] == "error", f"{op} before reset"
            handled(3, f"AEC {op} before reset")
        elif op == "last":
            result, answer = outcome(env.last)
            assert (result == "ok") == bool(env.agents) and (result == "ok" or isinstance(answer, AgentError))
            if result == "error":
                handled(3, "AEC last() once every agent is gone")
        elif op in ("iter", "render"):
            first_agent = lambda: list(itertools.islice(env.agent_iter(), 1))  # noqa: E731
            result, answer = outcome(first_agent if op == "iter" else env.render)
            assert result == "ok" and (answer == [env.agent_selection] if op == "iter" and env.agents else True)
        else:
            aec_step(env, game, data)


def aec_step(env: Any, game: Any, data: Any) -> None:
    """One generated step, checked against the kernel (or PettingZoo's dead-agent rules)."""
    before, selection, agents = env.kernel_state.copy(), env.agent_selection, list(env.agents)
    if not agents:  # every agent gone: PettingZoo warns and does nothing
        event("AEC: step after every agent is gone")
        assert outcome(lambda: env.step(data.draw(st.sampled_from([None, 0, 2**70]))))[0] == "ok"
        assert env.agents == [] and same_state(env.kernel_state, before)
        handled(3, "AEC step once every agent is gone")
        return
    if env.terminations[selection] or env.truncations[selection]:
        action = data.draw(st.sampled_from([None, None, 0]))
        event(f"AEC: dead agent stepped with {action!r}")
        result, _ = outcome(lambda: env.step(action))
        assert (result == "ok") == (action is None) and (selection not in env.agents) == (action is None)
        assert same_state(env.kernel_state, before)
        if action is not None:
            handled(3, "AEC action for a dead agent")
        return
    mask = before.legal_action_mask[0]
    kind, action = data.draw(single_actions(mask))
    result, answer = outcome(lambda: env.step(action))
    if is_legal(action, mask):
        assert result == "ok", answer
        expected = game.step(before, np.array([int(action)]))
        assert same_state(env.kernel_state, expected)
        assert env.rewards == {f"player_{p}": float(expected.rewards[0, p]) for p in range(2)}
        assert env.agent_selection == f"player_{int(expected.current_player[0])}"
        return
    assert result == "error" and isinstance(answer, IllegalActionError) == int_like(action), answer
    assert same_state(env.kernel_state, before) and env.agent_selection == selection
    handled(2, f"AEC action: {kind}")


def opponent_named(error: BaseException, opponent: Any) -> bool:
    return f"opponent {opponent!r}" in str(error)


@st.composite
def versus_settings(draw: Any) -> dict[str, Any]:
    """Constructor arguments of the learner-vs-opponent envs: mostly good, else an opponent
    that replies badly, else arguments the constructor must refuse."""
    kind = draw(st.sampled_from(["good"] * 5 + ["bad replies"] * 3 + ["bad arguments"] * 2))
    good_names = ["random", "lowest legal", "lowest legal, list of uint16"]
    names = {"good": good_names, "bad replies": [f"reply {k}" for k in BAD_REPLIES], "bad arguments": sorted(OPPONENTS)}
    name = draw(st.sampled_from(names[kind]))
    seat = draw(st.sampled_from(SEATS if kind == "bad arguments" else [0, 1, None]))
    rule = draw(st.sampled_from(["raise", "lose", "ignore"] if kind == "bad arguments" else ["raise", "lose"]))
    event(f"opponent: {name}")
    event(f"learner_seat: {seat!r}")
    event(f"illegal_action: {rule!r}")
    opponent, replies_well = OPPONENTS[name]
    bad = [f"opponent {name}"] if replies_well is None else []
    bad += [] if seat is None or (int_like(seat) and 0 <= seat < 2) else [f"learner_seat={seat!r}"]
    bad += [f"illegal_action={rule!r}"] if rule == "ignore" else []
    arguments = {"opponent": opponent, "learner_seat": seat, "illegal_action": rule}
    return {**arguments, "_valid": not bad, "_good": replies_well, "_bad": ", ".join(bad)}


@SETTINGS
@given(game_ids, versus_settings(), st.data())
def test_3_single_agent_env_steps_like_the_kernel_or_refuses(game_id, kwargs, data):
    valid, good, bad = kwargs.pop("_valid"), kwargs.pop("_good"), kwargs.pop("_bad")
    result, env = outcome(lambda: BoardGameEnv(game_id, **kwargs, **SMALL[game_id]))
    assert (result == "ok") == valid, env
    if not valid:
        handled(2, f"BoardGameEnv({bad})")
        return
    game, over = GAMES[game_id], "before reset"
    if data.draw(st.integers(0, 3)) > 0:  # most sequences start with a reset
        over = None if outcome(lambda: env.reset(seed=0))[0] == "ok" else "after the opponent failed"
    for _ in range(data.draw(st.integers(1, 40))):
        op = data.draw(st.sampled_from(["step"] * 5 + ["reset", "masks"]))
        event(f"single: {op}")
        if op == "reset":
            seed = data.draw(st.sampled_from(ENV_SEEDS))
            result, answer = outcome(lambda seed=seed: env.reset(seed=seed))
            if not any(seed is s for s in GOOD_SEEDS):
                assert result == "error" and "seed" in str(answer)
                handled(2, f"BoardGameEnv.reset(seed={seed!r})")
                continue
            assert result == "ok" or (not good and opponent_named(answer, kwargs["opponent"])), answer
            if result == "error":
                handled(2, f"opponent {kwargs['opponent']!r} (its opening move)")
            over = "after the opponent failed" if result == "error" else None
        elif op == "masks":
            np.testing.assert_array_equal(env.action_masks(), env._games.state.legal_action_mask[0])
        else:
            before = env._games.state.copy()
            kind, action = data.draw(single_actions(before.legal_action_mask[0]))
            result, answer = outcome(lambda action=action: env.step(action), (*DOCUMENTED, *ORDER))
            if over:
                assert isinstance(answer, ResetNeeded), answer
                handled(3, f"BoardGameEnv.step {over}")
                continue
            over = single_step_checks(game, env, kwargs, good, before, (kind, action), result, answer)


def single_step_checks(game, env, kwargs, good, before, drawn, result, answer) -> str | None:
    """Check one step of the single-agent env; returns why it now needs a reset, or None."""
    (kind, action), mask, seat = drawn, before.legal_action_mask[0], env.learner_seat
    legal = is_legal(action, mask)
    if not legal and not (kwargs["illegal_action"] == "lose" and int_like(action) and 0 <= int(action) < mask.size):
        assert result == "error" and isinstance(answer, IllegalActionError) == int_like(action), answer
        assert same_state(env._games.state, before)
        handled(2, f"BoardGameEnv.step action: {kind}")
        return None
    if result == "error":  # only the opponent may fail a legal (or forfeiting) move
        assert not good and opponent_named(answer, kwargs["opponent"]), answer
        handled(2, f"opponent {kwargs['opponent']!r}")
        return "after the opponent failed"
    obs, reward, terminated, truncated, info = answer
    assert env.observation_space.contains(obs) and reward in (-1.0, 0.0, 1.0)
    np.testing.assert_array_equal(info["action_mask"], env._games.state.legal_action_mask[0])
    if legal and kwargs["opponent"] is lowest_legal:  # replay it on the kernel
        expected = game.step(before, np.array([int(action)]))
        while not expected.done[0] and expected.current_player[0] != seat:
            expected = game.step(expected, lowest_legal(expected, None))
        assert same_state(env._games.state, expected)
        np.testing.assert_array_equal(obs, game.observe(expected, seat)[0])
    return "after the episode ended" if terminated or truncated else None


@st.composite
def batch_actions(draw: Any, mask: np.ndarray) -> Any:
    """B actions: legal ones in any integer dtype, or something else."""
    legal = [int(np.flatnonzero(row)[0]) if row.any() else 0 for row in mask]
    kind = draw(st.sampled_from(["legal"] * 4 + ["out of range", "floats", "bools", "wrong shape", "list", "huge"]))
    event(f"batch actions: {kind}")
    values = [*legal, mask.shape[1]]
    dtypes = [d for d in ("int8", "uint8", ">i2", "int32", ">u4", "int64", "uint64") if fits(np.dtype(d), values)]
    dtype = draw(st.sampled_from(dtypes))
    return kind, {
        "legal": lambda: np.array(legal, dtype=dtype),
        "out of range": lambda: np.full(len(legal), mask.shape[1], dtype=dtype),
        "floats": lambda: np.array(legal, dtype=float),
        "bools": lambda: np.ones(len(legal), bool),
        "wrong shape": lambda: np.array([*legal, 0]),
        "list": lambda: legal,
        "huge": lambda: [2**70] * len(legal),
    }[kind]()


@SETTINGS
@given(game_ids, versus_settings(), st.sampled_from(["gymnasium", "sb3"]), st.integers(1, 3), st.data())
def test_3_vector_envs_refuse_before_reset_and_check_every_batch(game_id, kwargs, flavour, num_envs, data):
    valid, good, bad = kwargs.pop("_valid"), kwargs.pop("_good"), kwargs.pop("_bad")
    make = BoardGameVectorEnv if flavour == "gymnasium" else partial(BoardGameVecEnv, seed=0)
    name = "BoardGameVectorEnv" if flavour == "gymnasium" else "BoardGameVecEnv"
    result, env = outcome(lambda: make(game_id, num_envs, **kwargs, **SMALL[game_id]))
    assert (result == "ok") == valid, env
    if not valid:
        handled(2, f"{name}({bad})")
        return
    ready = "before reset"
    if data.draw(st.integers(0, 3)) > 0:  # most sequences start with a reset
        ready = None if outcome(env.reset)[0] == "ok" else "after the opponent failed"
    for _ in range(data.draw(st.integers(1, 30))):
        op = data.draw(st.sampled_from(["step"] * 5 + ["reset", "sb3 extras"]))
        event(f"{flavour}: {op}")
        if op == "reset":
            seed = data.draw(st.sampled_from(ENV_SEEDS))
            if flavour == "gymnasium":
                result, answer = outcome(lambda seed=seed: env.reset(seed=seed))
            else:
                result, answer = outcome(lambda seed=seed: (env.seed(seed), env.reset()))
            list_seed = flavour == "gymnasium" and isinstance(seed, list) and len(seed) == num_envs
            if not (any(seed is s for s in GOOD_SEEDS) or list_seed):
                assert result == "error" and "seed" in str(answer)
                handled(2, f"{name} seed {seed!r}")
                continue
            assert result == "ok" or (not good and opponent_named(answer, kwargs["opponent"])), answer
            if result == "error":
                handled(2, f"opponent {kwargs['opponent']!r} (its opening moves)")
            ready = None if result == "ok" else "after the opponent failed"
        elif op == "sb3 extras" and flavour == "sb3":
            sb3_extras(env, data)
        elif op == "step":
            before = env._games.state.copy()
            kind, actions = data.draw(batch_actions(before.legal_action_mask))
            moving = ~env._needs_reset if flavour == "gymnasium" else np.ones(num_envs, bool)  # NEXT_STEP
            result, answer = outcome(lambda actions=actions: env.step(actions), (*DOCUMENTED, *ORDER))
            if ready:
                assert isinstance(answer, ResetNeeded), answer
                handled(3, f"{name}.step {ready}")
            elif kind in ("legal", "list") or (kind == "out of range" and not moving.any()):
                assert result == "ok" or (not good and opponent_named(answer, kwargs["opponent"])), answer
                if result == "error":
                    handled(2, f"opponent {kwargs['opponent']!r}")
                ready = None if result == "ok" else "after the opponent failed"
                if not ready:
                    obs, reward = answer[0], answer[1]
                    assert (
                        obs.shape == (num_envs, *GAMES[game_id].observation_shape) and np.isin(reward, (-1, 0, 1)).all()
                    )
            else:
                assert result == "error" and not isinstance(answer, ResetNeeded), answer
                assert same_state(env._games.state, before)
                handled(2, f"{name}.step actions: {kind}")


def sb3_extras(env: BoardGameVecEnv, data: Any) -> None:
    name = data.draw(st.sampled_from(["action_masks", "action_masks", "render", "seed", 3]))
    indices = data.draw(st.sampled_from([None, 0, [0], [0, 0], np.int64(0), 5, -1, [1.0], "0", {0: 1}]))
    args = data.draw(st.sampled_from([(), (), (1,)]))
    event(f"sb3 env_method: {name!r} indices {type(indices).__name__} args {len(args)}")
    listed = isinstance(indices, list) and all(int_like(i) and i == 0 for i in indices)
    good_indices = indices is None or (int_like(indices) and indices == 0) or listed
    result, answer = outcome(lambda: env.env_method(name, *args, indices=indices), (*DOCUMENTED, AttributeError))
    if name == "action_masks" and good_indices and not args:
        rows = range(env.num_envs) if indices is None else [0] * (1 if int_like(indices) else len(indices))
        masks = env.action_masks()
        assert result == "ok" and len(answer) == len(rows)
        assert all(np.array_equal(mask, masks[row]) for mask, row in zip(answer, rows, strict=True))
    else:
        assert result == "error", answer
        handled(2 if name == "action_masks" else 3, f"SB3 env_method({name!r}, {len(args)} args, indices {indices!r})")
    result, answer = outcome(lambda: env.step_wait(), (*DOCUMENTED, *ORDER))
    assert result == "error" and "step_async" in str(answer)  # no step_async pending
    handled(3, "SB3 step_wait() without step_async()")

"""`search.py`'s network-guided section: boardzoo's PUCT and Gumbel searches with networks
from `boardzoo.agents.models` behind `TorchEvaluator`, and the optional mctx peer (JAX)
running `gumbel_muzero_policy` with the same weights, ported."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from typing import Any, NamedTuple

import numpy as np
import torch
from _harness import Runner, run_for
from _search_rollout import SEED, SearchVariant, root_batches, root_positions, search_runner
from torch import nn

from boardzoo.agents.models import (
    NetworkConfig,
    PolicyValueNet,
    TorchEvaluator,
    build_network,
    count_parameters,
    flops_per_evaluation,
)
from boardzoo.agents.search import Evaluator, GumbelConfig, SearchConfig, gumbel_search, search
from boardzoo.envs import Game, State, make

NETWORK_GAME = "connect_four"
# The benchmark networks (torch, CPU, float32, eval mode, seeded random weights).
NETWORKS: dict[str, NetworkConfig] = {
    "mlp": NetworkConfig(kind="mlp", blocks=2, channels=128),
    "resnet": NetworkConfig(kind="resnet", blocks=4, channels=64),
}
MCTX_CONSIDERED_ACTIONS = 16


# Each config is built (and validated) once, as a player builds its own, not once per timed search.
def puct_search(game: Game, roots: State, evaluator: Evaluator, simulations: int, keys: np.ndarray) -> Any:
    return search(game, roots, evaluator, _puct_config(simulations), keys)


def gumbel_variant(game: Game, roots: State, evaluator: Evaluator, simulations: int, keys: np.ndarray) -> Any:
    return gumbel_search(game, roots, evaluator, _gumbel_config(simulations), keys)


@cache
def _puct_config(simulations: int) -> SearchConfig:
    return SearchConfig(simulations=simulations, rule="puct")


@cache
def _gumbel_config(simulations: int) -> GumbelConfig:
    return GumbelConfig(simulations=simulations)


# The searches of the network-guided section, by name (`--variants` picks some).
SEARCH_VARIANTS: dict[str, SearchVariant] = {
    "puct": puct_search,
    "gumbel": gumbel_variant,
}


def benchmark_network(name: str, game: Game) -> PolicyValueNet:
    """The named network for `game`, seeded random weights, eval mode."""
    torch.manual_seed(SEED)
    return build_network(NETWORKS[name], game.observation_shape, game.num_actions).eval()


def network_summary(name: str) -> dict[str, Any]:
    """The network's config, trainable parameters and FLOPs per evaluation on NETWORK_GAME."""
    net = benchmark_network(name, make(NETWORK_GAME))
    flops = flops_per_evaluation(net)
    return {"config": NETWORKS[name].to_dict(), "parameters": count_parameters(net), "flops_per_evaluation": flops}


def null_evaluator(game: Game) -> Evaluator:
    """The do-nothing evaluator (zero logits and values, no observation): what is left of a
    search's time is its bookkeeping. It hands out the same zero arrays for each batch size
    (the search only reads them), so its own cost is a dictionary lookup, not two allocations
    a simulation (about 1 µs, a tenth of a batch-1 simulation's bookkeeping)."""
    zeros: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def evaluate(state: State, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        batch = state.current_player.shape[0]
        out = zeros.get(batch)
        if out is None:
            out = zeros[batch] = (np.zeros((batch, game.num_actions), np.float32), np.zeros(batch, np.float32))
        return out

    return evaluate


def first_roots(game: Game, batch_size: int) -> State:
    """The first batch of B root positions (the positions every section cycles over)."""
    return root_batches(root_positions(game)[0], batch_size)[0]


def benchmark_evaluator(network: str, game: Game) -> TorchEvaluator:
    """The named network on the play path: a traced, frozen module (an MLP runs as
    `LeanMLP`, one numba call per batch)."""
    return TorchEvaluator(game, benchmark_network(network, game), "cpu", frozen=True)


def boardzoo_bookkeeping(variant: str, batch_size: int, simulations: int) -> Runner:
    game = make(NETWORK_GAME)
    return search_runner(game, null_evaluator(game), SEARCH_VARIANTS[variant], batch_size, simulations)


def mean_descent_depth(variant: str, batch_size: int, simulations: int) -> float:
    """The mean depth of the nodes one do-nothing search adds (the first root batch of the
    bookkeeping section, fixed keys): how many selection steps a simulation's descent takes
    on average. A descent's bookkeeping grows with it, so it explains time per simulation
    rising with S without any per-node cost rising."""
    game = make(NETWORK_GAME)
    roots = first_roots(game, batch_size)
    keys = np.arange(batch_size, dtype=np.uint64)
    tree = SEARCH_VARIANTS[variant](game, roots, null_evaluator(game), simulations, keys).tree
    rows, nodes = np.arange(batch_size), tree.parents.shape[1]
    depth = np.zeros(tree.parents.shape, np.int64)
    for node in range(1, nodes):  # a parent is allocated before its children
        depth[:, node] = depth[rows, np.maximum(tree.parents[:, node], 0)] + 1
    added = (np.arange(nodes)[None, :] < tree.num_nodes[:, None]) & (np.arange(nodes)[None, :] > 0)
    return float(depth[added].mean()) if added.any() else 0.0


def boardzoo_network(network: str, variant: str, batch_size: int, simulations: int) -> Runner:
    game = make(NETWORK_GAME)
    return search_runner(game, benchmark_evaluator(network, game), SEARCH_VARIANTS[variant], batch_size, simulations)


def boardzoo_forward(network: str, batch_size: int) -> Runner:
    """The network alone as our search calls it (`TorchEvaluator.evaluate_observations`, the
    lean path for an MLP), on the observations of B root positions; work = positions."""
    game = make(NETWORK_GAME)
    evaluator = benchmark_evaluator(network, game)
    observation = game.observe(first_roots(game, batch_size))
    keys = np.zeros(batch_size, np.uint64)
    evaluator.evaluate_observations(observation, keys)

    def one_call() -> int:
        evaluator.evaluate_observations(observation, keys)
        return batch_size

    return partial(run_for, work=one_call)


# --- the mctx peer (JAX) ------------------------------------------------------------------


def mctx_unavailable() -> str | None:
    """None if jax and mctx import, else why not."""
    try:
        import jax  # noqa: F401
        import mctx  # noqa: F401
    except ImportError as error:
        return f"jax/mctx not installed ({type(error).__name__}: {error})"
    return None


class ArrayOps(NamedTuple):
    """The array functions a ported network needs (jax.numpy's, or numpy's to check a port)."""

    relu: Callable[[Any], Any]
    tanh: Callable[[Any], Any]
    conv: Callable[[Any, Any, int], Any]  # (x[B, C, H, W], weight[O, C, k, k], padding) -> [B, O, H, W]


def ported_forward(model: PolicyValueNet, ops: ArrayOps) -> Callable[[dict[str, Any], Any], tuple[Any, Any]]:
    """`forward(params, obs[B, C, H, W]) -> (logits[B, A], value[B])` computing what `model`
    computes in eval mode; params are its state_dict's float arrays, converted."""
    from boardzoo.agents.models.networks import ResidualBlock

    if model.config.global_pool:
        raise NotImplementedError("the port has no global-pool heads")

    def apply(module: nn.Module, prefix: str, p: dict[str, Any], x: Any) -> Any:
        if isinstance(module, nn.Sequential):
            for name, child in module.named_children():
                x = apply(child, f"{prefix}{name}.", p, x)
            return x
        if isinstance(module, ResidualBlock):
            return ops.relu(x + apply(module.body, f"{prefix}body.", p, x))
        if isinstance(module, nn.Flatten):
            return x.reshape(x.shape[0], -1)
        if isinstance(module, nn.ReLU):
            return ops.relu(x)
        if isinstance(module, nn.Linear):
            return x @ p[f"{prefix}weight"].T + p[f"{prefix}bias"]
        if isinstance(module, nn.Conv2d):
            y = ops.conv(x, p[f"{prefix}weight"], module.padding[0])
            return y if module.bias is None else y + p[f"{prefix}bias"][None, :, None, None]
        if isinstance(module, nn.BatchNorm2d):
            scale = p[f"{prefix}weight"] * (p[f"{prefix}running_var"] + module.eps) ** -0.5
            shift = p[f"{prefix}bias"] - p[f"{prefix}running_mean"] * scale
            return x * scale[None, :, None, None] + shift[None, :, None, None]
        raise NotImplementedError(f"no port of {prefix}: {module}")

    def forward(p: dict[str, Any], x: Any) -> tuple[Any, Any]:
        features = apply(model.trunk, "trunk.", p, x)
        if model.config.kind == "mlp":
            policy, value = features, features
        else:
            policy = apply(model.policy_conv, "policy_conv.", p, features).reshape(x.shape[0], -1)
            value = apply(model.value_conv, "value_conv.", p, features).reshape(x.shape[0], -1)
        logits = apply(model.policy_head, "policy_head.", p, policy)
        return logits, ops.tanh(apply(model.value_head, "value_head.", p, value)[:, 0])

    return forward


def jax_ops() -> ArrayOps:
    import jax
    import jax.numpy as jnp

    def conv(x: Any, weight: Any, pad: int) -> Any:
        numbers = ("NCHW", "OIHW", "NCHW")
        return jax.lax.conv_general_dilated(x, weight, (1, 1), [(pad, pad), (pad, pad)], dimension_numbers=numbers)

    return ArrayOps(relu=jax.nn.relu, tanh=jnp.tanh, conv=conv)


def jax_network(network: str, game: Game) -> tuple[Callable[[dict[str, Any], Any], tuple[Any, Any]], dict[str, Any]]:
    """(forward, params): the named network ported to JAX (`ported_forward`), not jitted, and
    its weights as JAX arrays."""
    import jax.numpy as jnp

    model = benchmark_network(network, game)
    params = {name: jnp.asarray(t.detach().numpy()) for name, t in model.state_dict().items() if t.is_floating_point()}
    return ported_forward(model, jax_ops()), params


def jax_forward(network: str, batch_size: int) -> Runner:
    """The network alone as mctx runs it (the jitted JAX port `mctx_runner` searches with), on
    the observations of B root positions; work = positions."""
    import jax
    import jax.numpy as jnp

    game = make(NETWORK_GAME)
    forward, params = jax_network(network, game)
    jitted = jax.jit(forward)
    observation = jnp.asarray(game.observe(first_roots(game, batch_size)))
    jax.block_until_ready(jitted(params, observation))

    def one_call() -> int:
        jax.block_until_ready(jitted(params, observation))
        return batch_size

    return partial(run_for, work=one_call)


MCTX_DYNAMICS = ("identity", "pgx")
"""The peer's dynamics (its `recurrent_fn`'s game step): "identity", no game rules (mctx has
none; a leaf re-evaluates the root observation), which times search plus network only; "pgx",
pgx's Connect Four (JAX) steps each leaf and observes it, the work our search does there too
(the game kernel, legality, wins, the observation)."""


def mctx_runner(network: str, batch_size: int, simulations: int, dynamics: str = "identity") -> Runner:
    """Jitted `mctx.gumbel_muzero_policy` over B roots with the ported network, two players
    (discount -1), under `dynamics` (`MCTX_DYNAMICS`). Raises ImportError if jax, mctx or (for
    "pgx") pgx is missing."""
    import jax
    import jax.numpy as jnp
    import mctx

    game = make(NETWORK_GAME)
    forward, params = jax_network(network, game)
    roots = first_roots(game, batch_size)
    observation = jnp.asarray(game.observe(roots))
    invalid = jnp.asarray(~roots.legal_action_mask)
    if dynamics == "identity":
        embedding: Any = observation
        recurrent_fn = _identity_dynamics(forward)
    elif dynamics == "pgx":
        embedding, recurrent_fn = _pgx_dynamics(forward, game, batch_size)
    else:
        raise ValueError(f"dynamics must be one of {MCTX_DYNAMICS}, got {dynamics!r}")

    def policy(p: dict[str, Any], rng_key: Any, obs: Any, root_embedding: Any, invalid_actions: Any) -> Any:
        logits, value = forward(p, obs)
        root = mctx.RootFnOutput(prior_logits=logits, value=value, embedding=root_embedding)
        return mctx.gumbel_muzero_policy(
            p,
            rng_key,
            root,
            recurrent_fn,
            num_simulations=simulations,
            invalid_actions=invalid_actions,
            max_num_considered_actions=MCTX_CONSIDERED_ACTIONS,
        )

    jitted = jax.jit(policy)
    key = jax.random.PRNGKey(SEED)

    def one_search() -> int:
        nonlocal key
        key, subkey = jax.random.split(key)
        jax.block_until_ready(jitted(params, subkey, observation, embedding, invalid).action_weights)
        return batch_size * simulations

    one_search()  # warm-up: compiles the search and the key split outside the timed runs
    return partial(run_for, work=one_search)


def _identity_dynamics(forward: Callable[[dict[str, Any], Any], tuple[Any, Any]]) -> Callable[..., Any]:
    # recurrent_fn with no game: the leaf keeps its parent's embedding (the root observation),
    # zero rewards, discount -1.
    import jax.numpy as jnp
    import mctx

    def recurrent_fn(p: dict[str, Any], rng_key: Any, action: Any, embedding: Any) -> tuple[Any, Any]:
        logits, value = forward(p, embedding)
        zeros = jnp.zeros(embedding.shape[0], jnp.float32)
        return mctx.RecurrentFnOutput(reward=zeros, discount=zeros - 1.0, prior_logits=logits, value=value), embedding

    return recurrent_fn


def _pgx_dynamics(
    forward: Callable[[dict[str, Any], Any], tuple[Any, Any]], game: Game, batch_size: int
) -> tuple[Any, Callable[..., Any]]:
    # (root pgx states [B], recurrent_fn) as in pgx's AlphaZero example: step the leaf's state
    # by the action, evaluate its observation (pgx's [B, H, W, C] is ours transposed, checked
    # on the roots), reward for the player who moved, terminal leaves valued 0 with discount 0,
    # illegal actions masked out of the prior.
    import jax
    import jax.numpy as jnp
    import mctx
    import pgx

    env = pgx.make(NETWORK_GAME)
    init, step = jax.jit(env.init), jax.jit(env.step)
    histories = root_positions(game)[1]
    states = []
    for history in histories:
        state = init(jax.random.PRNGKey(SEED))
        for action in history:
            state = step(state, jnp.int32(action))
        states.append(state)
    rows = np.arange(batch_size) % len(states)  # first_roots' rows
    stacked = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves)[rows], *states)
    ours = game.observe(first_roots(game, batch_size))
    if not np.array_equal(np.asarray(stacked.observation).transpose(0, 3, 1, 2), ours):
        raise ValueError("pgx's root observations differ from boardzoo's (transposed)")

    def recurrent_fn(p: dict[str, Any], rng_key: Any, action: Any, state: Any) -> tuple[Any, Any]:
        mover = state.current_player
        state = jax.vmap(env.step)(state, action)
        logits, value = forward(p, jnp.transpose(state.observation, (0, 3, 1, 2)).astype(jnp.float32))
        logits = jnp.where(state.legal_action_mask, logits, jnp.finfo(logits.dtype).min)
        reward = state.rewards[jnp.arange(state.rewards.shape[0]), mover]
        value = jnp.where(state.terminated, 0.0, value)
        discount = jnp.where(state.terminated, 0.0, -jnp.ones_like(value))
        return mctx.RecurrentFnOutput(reward=reward, discount=discount, prior_logits=logits, value=value), state

    return stacked, recurrent_fn

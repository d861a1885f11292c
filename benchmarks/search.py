"""Batched tree-search speed of boardzoo against OpenSpiel's C++ MCTS bot (and mctx), single-threaded.

What it measures, in one run, in simulations per second (a simulation = one selection,
expansion, evaluation and backup in one tree; sims/s = B * S / seconds for B trees of S
simulations each). All searches start from the same root positions: the initial position and
a few mid-game positions reached by seeded random play (`ROOT_PLIES`), cycled over the batch.

1. Rollout UCT (`ROLLOUT_GAMES`: Connect Four, Hex 7x7): boardzoo's
   `search(game, roots, RolloutEvaluator(game), SearchConfig(S, rule="uct", exploration=2.0), keys)`
   over B roots at once (default B = 1, 64, 256, 1024), against OpenSpiel's C++
   `pyspiel.MCTSBot` (uct_c = 2, one random rollout per leaf, no solver) timed with
   `bot.step(state)` on each root position (S / seconds). The target: boardzoo at its best B
   >= 3x the OpenSpiel bot; the ratio at B = 256 is shown too.
2. Network-guided search on Connect Four: each search in `SEARCH_VARIANTS` (PUCT now; the
   Gumbel search plugs in there with one line) at B = 1, 64, 256 and S = 32, 128, with a
   small MLP and a small ResNet (defined below; torch, CPU, float32, eval mode, random
   weights) behind `TorchEvaluator`. Besides sims/s it reports the share of the time spent in
   the network forward pass (`TorchEvaluator.forward_seconds` / total) and so the share of
   search bookkeeping (1 - that: selection, expansion, kernel steps, observations, backup).
   The target: bookkeeping <= 25% of the time at B = 256.
3. Optional peer: mctx's `gumbel_muzero_policy` (JAX, jitted) with the same networks (the
   torch weights, ported) at B = 256, if `import jax, mctx` works; otherwise it is recorded
   as unavailable. mctx has no Connect Four rules, so its dynamics is the identity (each
   leaf re-evaluates the root observation): it times search plus network only.

Every measurement is warmed up first (a short search on the same batch, so JIT compilation is
excluded), then repeated `repeats` times; each repeat runs whole searches over all root
positions for at least `seconds` of wall time (at least one round, however long), and the
median is reported. The results are printed as Markdown (with the ratios and the targets)
and saved, stamped with versions, machine and git commit, to `<out>/search.json` and
`<out>/search.md` (`search_quick.*` for `--quick` runs and `search_partial*` for runs
restricted to some sections, games, networks or variants, so they never overwrite a full run).

Run from the repository root:

    .venv/bin/python benchmarks/search.py            # full run (about 2 minutes; ~1 more per added search)
    .venv/bin/python benchmarks/search.py --quick    # smoke run: S = 50 / 32, 0.2 s, 1 repeat
    .venv/bin/python benchmarks/search.py --help     # all options
"""

from __future__ import annotations

import os

# Single-threaded everywhere; must be set before numpy / numba / torch / jax are imported.
os.environ["NUMBA_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import numpy as np
import torch
import tyro
from _report import environment_info, ratio, write_results
from torch import nn
from tqdm import tqdm

from boardzoo.agents.network_evaluator import TorchEvaluator
from boardzoo.agents.search import Evaluator, GumbelConfig, RolloutEvaluator, SearchConfig, gumbel_search, search
from boardzoo.envs import Game, State, make, sample_legal_actions

NAME = "search"
SEED = 0
QUICK_SECONDS = 0.2
QUICK_REPEATS = 1
QUICK_ROLLOUT_SIMULATIONS = 50
QUICK_NETWORK_SIMULATIONS = (32,)
WARMUP_SIMULATIONS = 4  # the untimed search before each measurement (JIT compile, torch warm-up)
UCT_EXPLORATION = 2.0  # OpenSpiel's uct_c in its MCTS examples
ROOT_PLIES = (0, 4, 8, 12)  # random plies to each root position (0 = the initial position)
RATIO_BATCH = 256  # the batch size the secondary rollout ratio and the bookkeeping target use

SECTIONS = ("rollout", "network", "mctx")
ROLLOUT = "boardzoo UCT"
OPENSPIEL = "OpenSpiel MCTSBot"
MCTX = "mctx gumbel_muzero_policy"

# Benchmark game label -> (boardzoo game id, parameters); OpenSpiel uses the same names and
# action numbering for these two games (see tests/envs/test_openspiel_oracle.py).
ROLLOUT_GAMES: dict[str, tuple[str, dict[str, Any]]] = {
    "connect_four": ("connect_four", {}),
    "hex_7": ("hex", {"board_size": 7}),
}
NETWORK_GAME = "connect_four"
# OpenSpiel MCTSBot sims/s on the machine, for orientation only (not a target).
OPENSPIEL_REFERENCE = {"connect_four": 132_000, "hex_7": 69_000}

# The targets.
TARGET_ROLLOUT_VS_OPENSPIEL = 3.0  # boardzoo UCT at its best B / OpenSpiel MCTSBot
TARGET_BOOKKEEPING_SHARE = 0.25  # at B = RATIO_BATCH, for every network / search / S

# A runner searches for at least `seconds` of wall time and returns
# (simulations done, elapsed s, of which s in the network forward pass).
Runner = Callable[[float], tuple[int, float, float]]
# A search variant: (game, roots, evaluator, num_simulations, keys uint64[B]) -> its output.
SearchVariant = Callable[[Game, State, Evaluator, int, np.ndarray], Any]


@dataclass(frozen=True)
class SearchBenchConfig:
    """Batched tree-search simulations per second vs OpenSpiel's MCTS bot (single thread)."""

    seconds: float = 1.0
    """Minimum wall time of one timed repeat, in seconds (a repeat is at least one search round)."""
    repeats: int = 3
    """Timed repeats per measurement; the median is reported."""
    rollout_simulations: int = 200
    """Simulations per search (ours and OpenSpiel's) in the rollout UCT section."""
    rollout_batch_sizes: tuple[int, ...] = (1, 64, 256, 1024)
    """Batch sizes (root positions searched at once) of boardzoo's rollout UCT."""
    network_simulations: tuple[int, ...] = (32, 128)
    """Simulations per search in the network-guided section."""
    network_batch_sizes: tuple[int, ...] = (1, 64, 256)
    """Batch sizes of the network-guided section."""
    quick: bool = False
    """Smoke run: 0.2 s and 1 repeat per measurement, S = 50 (rollout) and S = 32 (network)."""
    out: str = "benchmarks/results"
    """Output folder (relative paths are taken from the repository root)."""
    sections: tuple[str, ...] = ()
    """Sections to run, of "rollout", "network", "mctx" (default: all)."""
    games: tuple[str, ...] = ()
    """Rollout game labels to measure (default: all of ROLLOUT_GAMES)."""
    networks: tuple[str, ...] = ()
    """Networks of the network-guided section (default: all of NETWORKS)."""
    variants: tuple[str, ...] = ()
    """Searches of the network-guided section (default: all of SEARCH_VARIANTS)."""

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError(f"seconds must be positive, got {self.seconds}")
        if self.repeats < 1:
            raise ValueError(f"repeats must be at least 1, got {self.repeats}")
        if self.rollout_simulations < 1 or not self.network_simulations or min(self.network_simulations) < 1:
            raise ValueError("simulation counts must be positive ints")
        for name in ("rollout_batch_sizes", "network_batch_sizes"):
            sizes = getattr(self, name)
            if not sizes or min(sizes) < 1:
                raise ValueError(f"{name} must be positive ints, got {sizes}")
        for name, allowed in (
            ("sections", SECTIONS),
            ("games", tuple(ROLLOUT_GAMES)),
            ("networks", tuple(NETWORKS)),
            ("variants", tuple(SEARCH_VARIANTS)),
        ):
            unknown = sorted(set(getattr(self, name)) - set(allowed))
            if unknown:
                raise ValueError(f"unknown {name} {unknown}; allowed: {sorted(allowed)}")

    @property
    def run_seconds(self) -> float:
        return QUICK_SECONDS if self.quick else self.seconds

    @property
    def run_repeats(self) -> int:
        return QUICK_REPEATS if self.quick else self.repeats

    @property
    def run_rollout_simulations(self) -> int:
        return QUICK_ROLLOUT_SIMULATIONS if self.quick else self.rollout_simulations

    @property
    def run_network_simulations(self) -> tuple[int, ...]:
        return QUICK_NETWORK_SIMULATIONS if self.quick else self.network_simulations

    @property
    def run_sections(self) -> tuple[str, ...]:
        return self.sections or SECTIONS

    @property
    def result_name(self) -> str:
        """Smoke and partial runs get their own files, so they never overwrite a full run."""
        partial_run = self.sections or self.games or self.networks or self.variants
        name = f"{NAME}_partial" if partial_run else NAME
        return f"{name}_quick" if self.quick else name


@dataclass(frozen=True)
class Measurement:
    """One speed measurement; `build` warms up and returns a runner, or raises ImportError."""

    section: str
    game: str
    implementation: str
    batch_size: int
    num_simulations: int
    build: Callable[[], Runner]
    network: str | None = None


@dataclass(frozen=True)
class Result:
    """Sims/s of one measurement (raw repeats and median), the network's share of the time
    where known, or why it is missing."""

    section: str
    game: str
    implementation: str
    batch_size: int
    num_simulations: int
    network: str | None = None
    repeats: tuple[float, ...] = ()
    median: float | None = None
    forward_share: float | None = None
    unavailable: str | None = None

    @property
    def bookkeeping_share(self) -> float | None:
        return None if self.forward_share is None else 1.0 - self.forward_share


# --- networks (torch, CPU, float32, eval mode, random weights) ----------------------------


class MLP(nn.Module):
    """Flatten -> 2 hidden layers of 128 (ReLU) -> policy logits and a tanh value."""

    def __init__(self, channels: int, height: int, width: int, num_actions: int, hidden: int = 128) -> None:
        super().__init__()
        self.fc1 = nn.Linear(channels * height * width, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.policy = nn.Linear(hidden, num_actions)
        self.value = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.relu(self.fc2(torch.relu(self.fc1(x.flatten(1)))))
        return self.policy(h), torch.tanh(self.value(h)).squeeze(-1)


class ConvBN(nn.Module):
    """Conv (same padding) followed by batch norm."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel, padding=kernel // 2)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))


class ResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.a = ConvBN(channels, channels, 3)
        self.b = ConvBN(channels, channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x + self.b(torch.relu(self.a(x))))


class ResNet(nn.Module):
    """AlphaZero-style: conv 3x3 stem, residual blocks; policy head conv 1x1 -> linear, value
    head conv 1x1 -> linear -> tanh (batch norm after every conv)."""

    def __init__(self, channels: int, height: int, width: int, num_actions: int, width_channels: int = 64,
                 blocks: int = 4) -> None:  # fmt: skip
        super().__init__()
        self.stem = ConvBN(channels, width_channels, 3)
        self.blocks = nn.ModuleList(ResidualBlock(width_channels) for _ in range(blocks))
        self.policy_conv = ConvBN(width_channels, 2, 1)
        self.policy = nn.Linear(2 * height * width, num_actions)
        self.value_conv = ConvBN(width_channels, 1, 1)
        self.value = nn.Linear(height * width, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.relu(self.stem(x))
        for block in self.blocks:
            x = block(x)
        logits = self.policy(torch.relu(self.policy_conv(x)).flatten(1))
        value = torch.tanh(self.value(torch.relu(self.value_conv(x)).flatten(1))).squeeze(-1)
        return logits, value


NETWORKS: dict[str, type[nn.Module]] = {"mlp": MLP, "resnet": ResNet}


def build_network(name: str, game: Game) -> nn.Module:
    """The named network for `game`'s observations, seeded random weights, eval mode."""
    _, channels, height, width = game.observe(game.init(1)).shape
    torch.manual_seed(SEED)
    return NETWORKS[name](channels, height, width, game.num_actions).eval()


# --- searches -----------------------------------------------------------------------------


def uct_search(game: Game, roots: State, evaluator: Evaluator, num_simulations: int, keys: np.ndarray) -> Any:
    config = SearchConfig(num_simulations=num_simulations, rule="uct", exploration=UCT_EXPLORATION)
    return search(game, roots, evaluator, config, keys)


def puct_search(game: Game, roots: State, evaluator: Evaluator, num_simulations: int, keys: np.ndarray) -> Any:
    return search(game, roots, evaluator, SearchConfig(num_simulations=num_simulations, rule="puct"), keys)


def gumbel_variant(game: Game, roots: State, evaluator: Evaluator, num_simulations: int, keys: np.ndarray) -> Any:
    return gumbel_search(game, roots, evaluator, GumbelConfig(num_simulations=num_simulations), keys)


# The searches of the network-guided section, by name (`--variants` picks some).
SEARCH_VARIANTS: dict[str, SearchVariant] = {
    "puct": puct_search,
    "gumbel": gumbel_variant,
}


# --- root positions and timed loops -------------------------------------------------------


def game_of(label: str) -> Game:
    game_id, params = ROLLOUT_GAMES[label]
    return make(game_id, **params)


def root_positions(game: Game) -> tuple[State, list[list[int]]]:
    """The positions after each of ROOT_PLIES seeded random plies (redrawn if a game ends
    early), as one batch, and the action sequences that reach them."""
    rng = np.random.default_rng(SEED)
    states, histories = [], []
    for plies in ROOT_PLIES:
        while True:
            state, history = game.init(1), []
            for _ in range(plies):
                action = sample_legal_actions(state.legal_action_mask, rng)
                state = game.step(state, action)
                history.append(int(action[0]))
                if state.done[0]:
                    break
            if not state.done[0]:
                break
        states.append(state)
        histories.append(history)
    return type(states[0]).stack(states), histories


def root_batches(positions: State, batch_size: int) -> list[State]:
    """Batches of `batch_size` roots cycling through the positions, enough to cover each once."""
    count = positions.batch_size
    rows = np.arange(max(batch_size, count)) % count
    return [positions.take(rows[start : start + batch_size]) for start in range(0, rows.size, batch_size)]


def search_runner(game: Game, evaluator: Evaluator, variant: SearchVariant, batch_size: int,
                  num_simulations: int) -> Runner:  # fmt: skip
    """Rounds of searches over all root positions; fresh keys for every search."""
    positions, _ = root_positions(game)
    batches = root_batches(positions, batch_size)
    rng = np.random.default_rng(SEED)

    def keys() -> np.ndarray:
        return rng.integers(0, 2**63, size=batch_size, dtype=np.int64).astype(np.uint64)

    variant(game, batches[0], evaluator, WARMUP_SIMULATIONS, keys())

    def run(seconds: float) -> tuple[int, float, float]:
        simulations = 0
        forward_before = getattr(evaluator, "forward_seconds", 0.0)
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            for roots in batches:
                variant(game, roots, evaluator, num_simulations, keys())
                simulations += roots.batch_size * num_simulations
            now = time.perf_counter()
            if now >= deadline:
                forward = getattr(evaluator, "forward_seconds", 0.0) - forward_before
                return simulations, now - start, forward

    return run


def boardzoo_rollout(label: str, batch_size: int, num_simulations: int) -> Runner:
    game = game_of(label)
    return search_runner(game, RolloutEvaluator(game), uct_search, batch_size, num_simulations)


def openspiel_rollout(label: str, num_simulations: int) -> Runner:
    """`MCTSBot.step` on each root position in turn (uct_c = 2, one random rollout, no solver)."""
    import pyspiel

    game_id, params = ROLLOUT_GAMES[label]
    game = pyspiel.load_game(game_id, params) if params else pyspiel.load_game(game_id)
    _, histories = root_positions(game_of(label))
    states = []
    for history in histories:
        state = game.new_initial_state()
        for action in history:
            state.apply_action(action)
        states.append(state)
    evaluator = pyspiel.RandomRolloutEvaluator(1, SEED)  # (n_rollouts, seed)
    # (game, evaluator, uct_c, max_simulations, max_memory_mb, solve, seed, verbose)
    bot = pyspiel.MCTSBot(game, evaluator, UCT_EXPLORATION, num_simulations, 1000, False, SEED, False)
    bot.step(states[0])

    def run(seconds: float) -> tuple[int, float, float]:
        simulations = 0
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            for state in states:
                bot.step(state)
                simulations += num_simulations
            now = time.perf_counter()
            if now >= deadline:
                return simulations, now - start, 0.0

    return run


def boardzoo_network(network: str, variant: str, batch_size: int, num_simulations: int) -> Runner:
    game = make(NETWORK_GAME)
    evaluator = TorchEvaluator(game, build_network(network, game), "cpu")
    return search_runner(game, evaluator, SEARCH_VARIANTS[variant], batch_size, num_simulations)


# --- the mctx peer (JAX) ------------------------------------------------------------------


def mctx_unavailable() -> str | None:
    """None if jax and mctx import, else why not."""
    try:
        import jax  # noqa: F401
        import mctx  # noqa: F401
    except ImportError as error:
        return f"jax/mctx not installed ({type(error).__name__}: {error})"
    return None


def jax_forward(network: str) -> Callable[[dict[str, Any], Any], tuple[Any, Any]]:
    """`forward(params, obs[B, C, H, W]) -> (logits, value)` mirroring the torch network;
    params are its state_dict as jax arrays."""
    import jax
    import jax.numpy as jnp

    def linear(p: dict[str, Any], name: str, x: Any) -> Any:
        return x @ p[f"{name}.weight"].T + p[f"{name}.bias"]

    def conv_bn(p: dict[str, Any], name: str, x: Any) -> Any:
        weight = p[f"{name}.conv.weight"]
        pad = weight.shape[-1] // 2
        y = jax.lax.conv_general_dilated(x, weight, (1, 1), [(pad, pad), (pad, pad)],
                                         dimension_numbers=("NCHW", "OIHW", "NCHW"))  # fmt: skip
        y = y + p[f"{name}.conv.bias"][None, :, None, None]
        scale = p[f"{name}.bn.weight"] * jax.lax.rsqrt(p[f"{name}.bn.running_var"] + 1e-5)
        shift = p[f"{name}.bn.bias"] - p[f"{name}.bn.running_mean"] * scale
        return y * scale[None, :, None, None] + shift[None, :, None, None]

    def mlp(p: dict[str, Any], x: Any) -> tuple[Any, Any]:
        h = jax.nn.relu(linear(p, "fc2", jax.nn.relu(linear(p, "fc1", x.reshape(x.shape[0], -1)))))
        return linear(p, "policy", h), jnp.tanh(linear(p, "value", h))[:, 0]

    def resnet(p: dict[str, Any], x: Any) -> tuple[Any, Any]:
        x = jax.nn.relu(conv_bn(p, "stem", x))
        block = 0
        while f"blocks.{block}.a.conv.weight" in p:
            x = jax.nn.relu(x + conv_bn(p, f"blocks.{block}.b", jax.nn.relu(conv_bn(p, f"blocks.{block}.a", x))))
            block += 1
        policy = jax.nn.relu(conv_bn(p, "policy_conv", x)).reshape(x.shape[0], -1)
        value = jax.nn.relu(conv_bn(p, "value_conv", x)).reshape(x.shape[0], -1)
        return linear(p, "policy", policy), jnp.tanh(linear(p, "value", value))[:, 0]

    return {"mlp": mlp, "resnet": resnet}[network]


def mctx_runner(network: str, batch_size: int, num_simulations: int) -> Runner:
    """Jitted `mctx.gumbel_muzero_policy` over B roots with the ported network; identity
    dynamics (mctx has no game rules), zero rewards, discount -1 (two players)."""
    import jax
    import jax.numpy as jnp
    import mctx

    game = make(NETWORK_GAME)
    model = build_network(network, game)
    params = {name: jnp.asarray(t.detach().numpy()) for name, t in model.state_dict().items() if t.is_floating_point()}
    forward = jax_forward(network)
    positions, _ = root_positions(game)
    roots = root_batches(positions, batch_size)[0]
    observation = jnp.asarray(game.observe(roots))
    invalid = jnp.asarray(~roots.legal_action_mask)

    def recurrent_fn(p: dict[str, Any], rng_key: Any, action: Any, embedding: Any) -> tuple[Any, Any]:
        logits, value = forward(p, embedding)
        zeros = jnp.zeros(embedding.shape[0], jnp.float32)
        return mctx.RecurrentFnOutput(reward=zeros, discount=zeros - 1.0, prior_logits=logits, value=value), embedding

    def policy(p: dict[str, Any], rng_key: Any, obs: Any, invalid_actions: Any) -> Any:
        logits, value = forward(p, obs)
        root = mctx.RootFnOutput(prior_logits=logits, value=value, embedding=obs)
        return mctx.gumbel_muzero_policy(p, rng_key, root, recurrent_fn, num_simulations=num_simulations,
                                         invalid_actions=invalid_actions, max_num_considered_actions=16)  # fmt: skip

    jitted = jax.jit(policy)
    key = jax.random.PRNGKey(SEED)
    jax.block_until_ready(jitted(params, key, observation, invalid).action_weights)

    def run(seconds: float) -> tuple[int, float, float]:
        nonlocal key
        simulations = 0
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            key, subkey = jax.random.split(key)
            jax.block_until_ready(jitted(params, subkey, observation, invalid).action_weights)
            simulations += batch_size * num_simulations
            now = time.perf_counter()
            if now >= deadline:
                return simulations, now - start, 0.0

    return run


# --- measurement plan and execution -------------------------------------------------------


def network_implementation(variant: str) -> str:
    return f"boardzoo {variant}"


def plan(config: SearchBenchConfig, mctx_missing: str | None) -> list[Measurement]:
    """All measurements of the selected sections, grouped by game / network."""
    measurements: list[Measurement] = []
    sections = config.run_sections
    if "rollout" in sections:
        sims = config.run_rollout_simulations
        for label in config.games or tuple(ROLLOUT_GAMES):
            for batch in config.rollout_batch_sizes:
                build = partial(boardzoo_rollout, label, batch, sims)
                measurements.append(Measurement("rollout", label, ROLLOUT, batch, sims, build))
            build = partial(openspiel_rollout, label, sims)
            measurements.append(Measurement("rollout", label, OPENSPIEL, 1, sims, build))
    networks = config.networks or tuple(NETWORKS)
    if "network" in sections:
        for network in networks:
            for variant in config.variants or tuple(SEARCH_VARIANTS):
                for sims in config.run_network_simulations:
                    for batch in config.network_batch_sizes:
                        build = partial(boardzoo_network, network, variant, batch, sims)
                        name = network_implementation(variant)
                        measurements.append(Measurement("network", NETWORK_GAME, name, batch, sims, build, network))
    if "mctx" in sections and mctx_missing is None:
        batch = max(config.network_batch_sizes)
        for network in networks:
            for sims in config.run_network_simulations:
                build = partial(mctx_runner, network, batch, sims)
                measurements.append(Measurement("mctx", NETWORK_GAME, MCTX, batch, sims, build, network))
    return measurements


def measure(runner: Runner, seconds: float, repeats: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """`repeats` timed runs of at least `seconds`; sims/s and network time share of each."""
    rates, shares = [], []
    for _ in range(repeats):
        simulations, elapsed, forward = runner(seconds)
        rates.append(simulations / elapsed)
        shares.append(forward / elapsed)
    return tuple(rates), tuple(shares)


def run_measurement(m: Measurement, seconds: float, repeats: int) -> Result:
    fields = {"section": m.section, "game": m.game, "implementation": m.implementation,
              "batch_size": m.batch_size, "num_simulations": m.num_simulations, "network": m.network}  # fmt: skip
    try:
        runner = m.build()
    except ImportError as error:
        return Result(**fields, unavailable=f"{type(error).__name__}: {error}")
    rates, shares = measure(runner, seconds, repeats)
    share = statistics.median(shares) if m.section == "network" else None
    return Result(**fields, repeats=rates, median=statistics.median(rates), forward_share=share)


# --- ratios and targets -------------------------------------------------------------------


def rollout_summary(results: list[Result]) -> dict[str, dict[str, Any]]:
    """Per rollout game: OpenSpiel sims/s, ours at the best B and at RATIO_BATCH, the ratios."""
    summary: dict[str, dict[str, Any]] = {}
    for game in dict.fromkeys(r.game for r in results if r.section == "rollout"):
        ours = {r.batch_size: r.median for r in results if r.game == game and r.implementation == ROLLOUT}
        ours = {b: v for b, v in ours.items() if v is not None}
        peer = next((r for r in results if r.game == game and r.implementation == OPENSPIEL), None)
        best = max(ours, key=lambda b: ours[b]) if ours else None
        openspiel = peer.median if peer else None
        summary[game] = {
            "openspiel": openspiel,
            "openspiel_unavailable": peer.unavailable if peer else "not measured",
            "best_batch": best,
            "ours_best": ours.get(best) if best else None,
            "ratio_best": ratio(ours.get(best) if best else None, openspiel),
            "ours_ratio_batch": ours.get(RATIO_BATCH),
            "ratio_ratio_batch": ratio(ours.get(RATIO_BATCH), openspiel),
        }
    return summary


def mctx_ratios(results: list[Result]) -> list[dict[str, Any]]:
    """boardzoo (each search) / mctx sims/s at the mctx batch size, per network and S."""
    rows = []
    for peer in (r for r in results if r.section == "mctx" and r.median):
        for ours in results:
            same = (ours.network, ours.batch_size, ours.num_simulations) == (
                peer.network,
                peer.batch_size,
                peer.num_simulations,
            )
            if ours.section == "network" and same:
                rows.append(
                    {
                        "network": peer.network,
                        "implementation": ours.implementation,
                        "batch_size": peer.batch_size,
                        "num_simulations": peer.num_simulations,
                        "mctx": peer.median,
                        "ours": ours.median,
                        "ratio": ratio(ours.median, peer.median),
                    }
                )
    return rows


def evaluate_targets(summary: dict[str, dict[str, Any]], results: list[Result]) -> list[dict]:
    """The issue's targets with the measured values; met is None where not measurable."""
    targets = []
    for game, s in summary.items():
        value = s["ratio_best"]
        note = "" if value is not None else f"not measured: {OPENSPIEL} unavailable ({s['openspiel_unavailable']})"
        best = f"B={s['best_batch']}" if s["best_batch"] else "best B"
        targets.append(
            {
                "target": f"{ROLLOUT} ({best}) >= {TARGET_ROLLOUT_VS_OPENSPIEL:g}x {OPENSPIEL}",
                "subject": game,
                "kind": "ratio",
                "threshold": TARGET_ROLLOUT_VS_OPENSPIEL,
                "value": value,
                "met": None if value is None else value >= TARGET_ROLLOUT_VS_OPENSPIEL,
                "note": note,
            }
        )
    for r in results:
        if r.section != "network" or r.batch_size != RATIO_BATCH:
            continue
        value = r.bookkeeping_share
        targets.append(
            {
                "target": f"search bookkeeping <= {TARGET_BOOKKEEPING_SHARE:.0%} of the time at B={RATIO_BATCH}",
                "subject": f"{r.network} / {r.implementation} / S={r.num_simulations}",
                "kind": "share",
                "threshold": TARGET_BOOKKEEPING_SHARE,
                "value": value,
                "met": None if value is None else value <= TARGET_BOOKKEEPING_SHARE,
                "note": "" if value is not None else f"not measured ({r.unavailable})",
            }
        )
    return targets


# --- Markdown -----------------------------------------------------------------------------


def format_rate(value: float | None, unavailable: str | None = None) -> str:
    if value is None:
        return f"unavailable ({unavailable})" if unavailable else "n/a"
    return f"{value:,.0f}"


def format_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def format_share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def rollout_table(results: list[Result], summary: dict[str, dict[str, Any]]) -> str:
    lines = ["| game | implementation | B | S | sims/s (median) | / OpenSpiel |", "|---|---|---:|---:|---:|---:|"]
    for r in results:
        if r.section != "rollout":
            continue
        vs = ratio(r.median, summary[r.game]["openspiel"]) if r.implementation == ROLLOUT else None
        cells = [r.game, r.implementation, str(r.batch_size), str(r.num_simulations)]
        cells += [format_rate(r.median, r.unavailable), format_ratio(vs) if r.implementation == ROLLOUT else "-"]
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines)


def rollout_ratio_table(summary: dict[str, dict[str, Any]]) -> str:
    lines = [
        f"| game | OpenSpiel sims/s (issue ref.) | ours best B | ours sims/s | ratio | ours B={RATIO_BATCH} "
        f"| ratio B={RATIO_BATCH} |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for game, s in summary.items():
        reference = OPENSPIEL_REFERENCE.get(game)
        peer = format_rate(s["openspiel"], s["openspiel_unavailable"])
        if reference:
            peer += f" ({reference / 1000:.0f}k)"
        cells = [game, peer, str(s["best_batch"] or "n/a"), format_rate(s["ours_best"]), format_ratio(s["ratio_best"])]
        cells += [format_rate(s["ours_ratio_batch"]), format_ratio(s["ratio_ratio_batch"])]
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines)


def network_table(results: list[Result]) -> str:
    lines = [
        "| network | search | B | S | sims/s (median) | network forward | search bookkeeping |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if r.section != "network":
            continue
        cells = [str(r.network), r.implementation, str(r.batch_size), str(r.num_simulations)]
        cells += [format_rate(r.median, r.unavailable), format_share(r.forward_share)]
        cells.append(format_share(r.bookkeeping_share))
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines)


def mctx_section(results: list[Result], mctx_missing: str | None) -> str:
    if mctx_missing is not None:
        return f"{MCTX}: unavailable ({mctx_missing})."
    lines = ["| network | B | S | mctx sims/s (median) |", "|---|---:|---:|---:|"]
    for r in results:
        if r.section == "mctx":
            lines.append(
                f"| {r.network} | {r.batch_size} | {r.num_simulations} | {format_rate(r.median, r.unavailable)} |"
            )
    ratios = mctx_ratios(results)
    if ratios:
        lines += ["", "| network | boardzoo search | B | S | boardzoo / mctx |", "|---|---|---:|---:|---:|"]
        for q in ratios:
            lines.append(
                f"| {q['network']} | {q['implementation']} | {q['batch_size']} | {q['num_simulations']} "
                f"| {format_ratio(q['ratio'])} |"
            )
    return "\n".join(lines)


def verdict(t: dict) -> str:
    if t["met"] is None:
        return t["note"]
    value = f"{t['value']:.2f}x" if t["kind"] == "ratio" else f"{t['value']:.0%}"
    return f"{value} — {'met' if t['met'] else 'NOT met'}"


def target_lines(targets: list[dict]) -> str:
    return "\n".join(f"- {t['target']}, {t['subject']}: {verdict(t)}" for t in targets) or "(none measured)"


def markdown_report(
    config: SearchBenchConfig,
    results: list[Result],
    summary: dict[str, dict[str, Any]],
    targets: list[dict],
    mctx_missing: str | None,
) -> str:
    mode = " (quick smoke run)" if config.quick else ""
    sections = config.run_sections
    parts = [
        f"## Tree search{mode}",
        "Single thread; sims/s = B * S / seconds, summed over the batch; median of "
        f"{config.run_repeats} repeats of at least {config.run_seconds:g} s (whole search rounds) after an "
        f"untimed {WARMUP_SIMULATIONS}-simulation warm-up search. Roots: the positions after {list(ROOT_PLIES)} "
        "seeded random plies, cycled over the batch (OpenSpiel: one `bot.step` on each).",
    ]
    if "rollout" in sections:
        parts += [
            "## Rollout UCT",
            f'boardzoo `search(rule="uct", exploration={UCT_EXPLORATION:g})` with `RolloutEvaluator` (one '
            f"random playout per leaf) vs `pyspiel.MCTSBot(uct_c={UCT_EXPLORATION:g})` with "
            "`RandomRolloutEvaluator(n_rollouts=1)`, no solver.",
            rollout_table(results, summary),
            rollout_ratio_table(summary),
        ]
    if "network" in sections:
        parts += [
            "## Network-guided search",
            f"{NETWORK_GAME}; `TorchEvaluator` on CPU, float32, eval mode, random weights; mlp = flatten -> "
            "2 x 128 -> policy / tanh value, resnet = conv 3x3 64 ch + 4 residual blocks, 1x1-conv heads. "
            "network forward = `TorchEvaluator.forward_seconds` / total; bookkeeping = the rest "
            f"(selection, expansion, kernel steps, observations, backup). Searches: {', '.join(SEARCH_VARIANTS)}.",
            network_table(results),
        ]
    if "mctx" in sections:
        parts += ["## Peer: mctx (JAX)", mctx_section(results, mctx_missing)]
    parts += ["## Targets", target_lines(targets)]
    return "\n\n".join(parts)


def result_record(r: Result) -> dict[str, Any]:
    record = asdict(r)
    record["repeats"] = list(r.repeats)
    record["bookkeeping_share"] = r.bookkeeping_share
    return record


# --- main ---------------------------------------------------------------------------------


def run(config: SearchBenchConfig) -> None:
    torch.set_num_threads(1)
    environment = environment_info()
    environment["versions"]["torch"] = torch.__version__
    mctx_missing = mctx_unavailable() if "mctx" in config.run_sections else "not selected"
    measurements = plan(config, mctx_missing)
    results: list[Result] = []
    with tqdm(total=len(measurements), desc=NAME, unit="measurement") as progress:
        for m in measurements:
            label = m.network or m.game
            progress.set_postfix_str(f"{label} / {m.implementation} / B={m.batch_size} / S={m.num_simulations}")
            results.append(run_measurement(m, config.run_seconds, config.run_repeats))
            progress.update()
    summary = rollout_summary(results)
    targets = evaluate_targets(summary, results)
    markdown = markdown_report(config, results, summary, targets, mctx_missing)
    payload = {
        "config": {
            **asdict(config),
            "run_seconds": config.run_seconds,
            "run_repeats": config.run_repeats,
            "run_rollout_simulations": config.run_rollout_simulations,
            "run_network_simulations": list(config.run_network_simulations),
            "run_sections": list(config.run_sections),
        },
        "unit": "simulations/s",
        "root_plies": list(ROOT_PLIES),
        "warmup_simulations": WARMUP_SIMULATIONS,
        "search_variants": list(SEARCH_VARIANTS),
        "results": [result_record(r) for r in results],
        "rollout_ratios": summary,
        "mctx": {"available": mctx_missing is None, "reason": mctx_missing, "ratios": mctx_ratios(results)},
        "targets": targets,
    }
    json_path, md_path = write_results(config.result_name, payload, markdown, out=config.out, environment=environment)
    print(markdown)
    print(f"\nwrote {json_path} and {md_path}")


def main() -> None:
    run(tyro.cli(SearchBenchConfig))


if __name__ == "__main__":
    main()

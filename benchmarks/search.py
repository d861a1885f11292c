"""Batched tree-search speed of boardzoo against OpenSpiel's C++ MCTS bot (and mctx), single-threaded.

What it measures, in one run, in simulations per second (a simulation = one selection,
expansion, evaluation and backup in one tree; sims/s = B * S / seconds for B trees of S
simulations each). All searches start from the same root positions: the initial position and
a few mid-game positions reached by seeded random play (`ROOT_PLIES`), cycled over the batch.

1. Rollout UCT (`_search_rollout.py`; `ROLLOUT_GAMES`: Connect Four, Hex 7x7): boardzoo's
   `search(game, roots, RolloutEvaluator(game), SearchConfig(S, rule="uct", exploration=2.0), keys)`
   over B roots at once (default B = 1, 64, 256, 1024), against OpenSpiel's C++
   `pyspiel.MCTSBot` (uct_c = 2, one random rollout per leaf, no solver) timed with
   `bot.step(state)` on each root position (S / seconds). The target: boardzoo at its best B
   >= 3x the OpenSpiel bot; the ratio at B = 256 is shown too.
2. Network-guided search on Connect Four (`_search_network.py`): each search in
   `SEARCH_VARIANTS` (PUCT and Gumbel) at B = 1, 64, 256 and S = 32, 128, with a small MLP and
   a small ResNet from `boardzoo.agents.models` (`NETWORKS`; torch, CPU, float32, eval mode,
   seeded random weights) behind `TorchEvaluator(frozen=True)`, the path players use (a traced,
   frozen module; an MLP runs as `models.lean.LeanMLP`). Besides sims/s it reports the share of the time spent in
   the network forward pass (`TorchEvaluator.forward_seconds` / total) and so the share of
   search bookkeeping (1 - that: selection, expansion, kernel steps, observations, backup).
   The target: bookkeeping <= 25% of the time at B = 256.
3. Bookkeeping alone (`--sections bookkeeping`): the same searches with a do-nothing evaluator
   (zero logits and values, no observation) at B = 1 and 256, S = 32, 128, 512: microseconds
   per simulation, and how the time per simulation grows with S. The target: <= 10 us per
   simulation at B = 1.
4. Optional peer: mctx's `gumbel_muzero_policy` (JAX, jitted) with the same networks (the
   torch modules ported to JAX, weights included) at the network section's smallest and largest B,
   if `import jax, mctx` works (the `mctx` extra); otherwise it is recorded as unavailable.
   mctx has no Connect Four rules, so it runs twice: with identity dynamics (each leaf
   re-evaluates the root observation: search plus network only, less work than ours), and
   (the MLP, `MCTX_PGX_NETWORKS`) with pgx's Connect Four stepping and observing each leaf, the
   work our search does there too (`_search_network.MCTX_DYNAMICS`). Beside it, each
   side's network alone (one forward pass over B root observations, positions/s: our
   evaluator's path and the jitted JAX port), which splits a search ratio into network speed
   and what the search loop costs around it.

Every measurement is warmed up first (a short search on the same batch, so JIT compilation is
excluded), then repeated `repeats` times; each repeat runs whole searches over all root
positions for at least `seconds` of wall time (at least one round, however long), and the
median is reported. The results are printed as Markdown (with the ratios and the targets)
and saved, stamped with versions, machine and git commit, to `<out>/search.json` and
`<out>/search.md` (`search_quick.*` for `--quick` runs and `search_partial*` for runs
restricted to some sections, games, networks or variants, so they never overwrite a full run).

Run from the repository root:

    .venv/bin/python benchmarks/search.py            # full run (about 30 minutes, 25 of them mctx's ResNet rows)
    .venv/bin/python benchmarks/search.py --quick    # smoke run: S = 50 / 32, 0.2 s, 1 repeat
    .venv/bin/python benchmarks/search.py --help     # all options

Our network evaluator's matrix products run in OpenBLAS, whose kernel choice sets their speed
(AVX-512 against AVX2: 1.7x for the MLP at B = 256). A host that pins the kernel for older
OpenBLAS builds (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE) slows a current one: run with both unset,
`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/search.py`. The
result records the kernels that ran (`process.blas`, with the `bench` extra's threadpoolctl).
"""

from __future__ import annotations

# ruff: noqa: E402 - `setup_process()` must run before numpy, numba and torch are imported
from _harness import (
    Measurement,
    TimedConfig,
    check_choices,
    check_positive,
    publish,
    result_name,
    run_measurements,
    setup_process,
)

setup_process()  # single thread, malloc tuning

from dataclasses import asdict, dataclass
from functools import partial

import tyro
from _search_network import (
    MCTX_CONSIDERED_ACTIONS,
    MCTX_DYNAMICS,
    NETWORK_GAME,
    NETWORKS,
    SEARCH_VARIANTS,
    boardzoo_bookkeeping,
    boardzoo_forward,
    boardzoo_network,
    jax_forward,
    mctx_runner,
    mctx_unavailable,
    mean_descent_depth,
    network_summary,
)
from _search_results import (
    FORWARD,
    JAX_FORWARD,
    MCTX_PEERS,
    OPENSPIEL,
    ROLLOUT,
    Case,
    bookkeeping_share,
    evaluate_targets,
    forward_rows,
    forward_share,
    markdown_report,
    mctx_ratios,
    microseconds_per_simulation,
    network_implementation,
    rollout_summary,
    variant_of,
)
from _search_rollout import (
    ROLLOUT_GAMES,
    ROOT_PLIES,
    WARMUP_SIMULATIONS,
    boardzoo_rollout,
    openspiel_rollout,
)

NAME = "search"
QUICK_ROLLOUT_SIMULATIONS = 50
QUICK_NETWORK_SIMULATIONS = (32,)
QUICK_BOOKKEEPING_SIMULATIONS = (32,)

SECTIONS = ("rollout", "network", "bookkeeping", "mctx")
# Networks the mctx + pgx peer runs: not the ResNet, which inside mctx's jitted loop runs at 2-3%
# of its own jitted speed on XLA's CPU backend (its identity rows say so), so those rows time
# XLA, not search, and took 25 of a full run's 30 minutes.
MCTX_PGX_NETWORKS = ("mlp",)


@dataclass(frozen=True)
class SearchBenchConfig(TimedConfig):
    """Batched tree-search simulations per second vs OpenSpiel's MCTS bot (single thread)."""

    rollout_simulations: int = 200
    """Simulations per search (ours and OpenSpiel's) in the rollout UCT section."""
    rollout_batch_sizes: tuple[int, ...] = (1, 64, 256, 1024)
    """Batch sizes (root positions searched at once) of boardzoo's rollout UCT."""
    network_simulations: tuple[int, ...] = (32, 128)
    """Simulations per search in the network-guided section."""
    network_batch_sizes: tuple[int, ...] = (1, 64, 256)
    """Batch sizes of the network-guided section."""
    bookkeeping_simulations: tuple[int, ...] = (32, 128, 512)
    """Simulations per search in the bookkeeping section (do-nothing evaluator)."""
    bookkeeping_batch_sizes: tuple[int, ...] = (1, 256)
    """Batch sizes of the bookkeeping section."""
    sections: tuple[str, ...] = ()
    """Sections to run, of "rollout", "network", "bookkeeping", "mctx" (default: all)."""
    games: tuple[str, ...] = ()
    """Rollout game labels to measure (default: all of ROLLOUT_GAMES)."""
    networks: tuple[str, ...] = ()
    """Networks of the network-guided section (default: all of NETWORKS)."""
    variants: tuple[str, ...] = ()
    """Searches of the network-guided section (default: all of SEARCH_VARIANTS)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_positive("rollout_simulations", (self.rollout_simulations,))
        for name in (
            "network_simulations",
            "rollout_batch_sizes",
            "network_batch_sizes",
            "bookkeeping_simulations",
            "bookkeeping_batch_sizes",
        ):
            check_positive(name, getattr(self, name))
        check_choices("sections", self.sections, SECTIONS)
        check_choices("games", self.games, ROLLOUT_GAMES)
        check_choices("networks", self.networks, NETWORKS)
        check_choices("variants", self.variants, SEARCH_VARIANTS)

    @property
    def run_rollout_simulations(self) -> int:
        return QUICK_ROLLOUT_SIMULATIONS if self.quick else self.rollout_simulations

    @property
    def run_network_simulations(self) -> tuple[int, ...]:
        return QUICK_NETWORK_SIMULATIONS if self.quick else self.network_simulations

    @property
    def run_bookkeeping_simulations(self) -> tuple[int, ...]:
        return QUICK_BOOKKEEPING_SIMULATIONS if self.quick else self.bookkeeping_simulations

    @property
    def run_sections(self) -> tuple[str, ...]:
        return self.sections or SECTIONS

    @property
    def result_name(self) -> str:
        """Smoke and partial runs get their own files, so they never overwrite a full run."""
        partial_run = bool(self.sections or self.games or self.networks or self.variants)
        return result_name(NAME, quick=self.quick, partial=partial_run)


def plan(config: SearchBenchConfig, mctx_missing: str | None) -> list[Measurement[Case]]:
    """All measurements of the selected sections, grouped by game / network."""
    measurements: list[Measurement[Case]] = []
    sections = config.run_sections
    if "rollout" in sections:
        sims = config.run_rollout_simulations
        for label in config.games or tuple(ROLLOUT_GAMES):
            for batch in config.rollout_batch_sizes:
                build = partial(boardzoo_rollout, label, batch, sims)
                measurements.append(Measurement(Case("rollout", label, ROLLOUT, batch, sims), build))
            build = partial(openspiel_rollout, label, sims)
            measurements.append(Measurement(Case("rollout", label, OPENSPIEL, 1, sims), build))
    networks = config.networks or tuple(NETWORKS)
    if "network" in sections:
        for network in networks:
            for variant in config.variants or tuple(SEARCH_VARIANTS):
                for sims in config.run_network_simulations:
                    for batch in config.network_batch_sizes:
                        case = Case("network", NETWORK_GAME, network_implementation(variant), batch, sims, network)
                        measurements.append(Measurement(case, partial(boardzoo_network, network, variant, batch, sims)))
    if "bookkeeping" in sections:
        for variant in config.variants or tuple(SEARCH_VARIANTS):
            for sims in config.run_bookkeeping_simulations:
                for batch in config.bookkeeping_batch_sizes:
                    case = Case("bookkeeping", NETWORK_GAME, network_implementation(variant), batch, sims)
                    measurements.append(Measurement(case, partial(boardzoo_bookkeeping, variant, batch, sims)))
    if "mctx" in sections and mctx_missing is None:
        # The smallest and the largest batch of the network section: the two targets.
        for batch in sorted({min(config.network_batch_sizes), max(config.network_batch_sizes)}):
            for network in networks:
                for sims in config.run_network_simulations:
                    for dynamics in MCTX_DYNAMICS if network in MCTX_PGX_NETWORKS else ("identity",):
                        case = Case("mctx", NETWORK_GAME, MCTX_PEERS[dynamics], batch, sims, network)
                        measurements.append(Measurement(case, partial(mctx_runner, network, batch, sims, dynamics)))
                # Each side's network alone, so a ratio can be split into network and search.
                for implementation, runner in ((FORWARD, boardzoo_forward), (JAX_FORWARD, jax_forward)):
                    case = Case("forward", NETWORK_GAME, implementation, batch, 1, network)
                    measurements.append(Measurement(case, partial(runner, network, batch)))
    return measurements


# --- main ---------------------------------------------------------------------------------


def run(config: SearchBenchConfig) -> None:
    mctx_missing = mctx_unavailable() if "mctx" in config.run_sections else "not selected"
    measurements = plan(config, mctx_missing)
    results = run_measurements(measurements, seconds=config.run_seconds, repeats=config.run_repeats, name=NAME)
    networks = {name: network_summary(name) for name in config.networks or NETWORKS}
    summary = rollout_summary(results)
    targets = evaluate_targets(summary, results)
    depths = {
        r.case: mean_descent_depth(variant_of(r.case.implementation), r.case.batch_size, r.case.simulations)
        for r in results
        if r.case.section == "bookkeeping"
    }
    run_settings = {
        "run_seconds": config.run_seconds,
        "run_repeats": config.run_repeats,
        "run_rollout_simulations": config.run_rollout_simulations,
        "run_network_simulations": list(config.run_network_simulations),
        "run_bookkeeping_simulations": list(config.run_bookkeeping_simulations),
        "run_sections": list(config.run_sections),
    }
    records = [
        {
            **r.record(),
            "forward_share": forward_share(r),
            "bookkeeping_share": bookkeeping_share(r),
            "microseconds_per_simulation": microseconds_per_simulation(r),
            "descent_depth": depths.get(r.case),
        }
        for r in results
    ]
    payload = {
        "config": {**asdict(config), **run_settings},
        "unit": "simulations/s",
        "root_plies": list(ROOT_PLIES),
        "warmup_simulations": WARMUP_SIMULATIONS,
        "search_variants": list(SEARCH_VARIANTS),
        "networks": networks,
        "results": records,
        "rollout_ratios": summary,
        "mctx": {
            "available": mctx_missing is None,
            "reason": mctx_missing,
            "ratios": mctx_ratios(results),
            "networks_alone": forward_rows(results),
            "max_num_considered_actions": MCTX_CONSIDERED_ACTIONS,
        },
        "targets": targets,
    }
    markdown = markdown_report(config, config.run_sections, results, summary, targets, mctx_missing, networks, depths)
    publish(config.result_name, payload, markdown, out=config.out)


def main() -> None:
    run(tyro.cli(SearchBenchConfig))


if __name__ == "__main__":
    main()

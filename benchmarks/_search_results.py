"""What `search.py` measures and reports: the cases, the ratios against the peers, the
targets with their verdicts, and the Markdown report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from _harness import (
    Result,
    TimedConfig,
    format_rate,
    format_ratio,
    format_share,
    ratio,
    table,
    target,
    target_lines,
)
from _search_network import NETWORK_GAME, SEARCH_VARIANTS
from _search_rollout import ROOT_PLIES, UCT_EXPLORATION, WARMUP_SIMULATIONS

RATIO_BATCH = 256  # the batch size the secondary rollout ratio and the bookkeeping target use
ROLLOUT = "boardzoo UCT"
OPENSPIEL = "OpenSpiel MCTSBot"
MCTX = "mctx gumbel_muzero_policy"  # identity dynamics: search plus network, no game rules
MCTX_PGX = "mctx gumbel_muzero_policy + pgx rules"  # pgx's Connect Four steps and observes each leaf
MCTX_PEERS = {"identity": MCTX, "pgx": MCTX_PGX}  # by `_search_network.MCTX_DYNAMICS`
FORWARD = "boardzoo network alone"
JAX_FORWARD = "JAX network alone (mctx's)"

# OpenSpiel MCTSBot sims/s on the machine, for orientation only (not a target).
OPENSPIEL_REFERENCE = {"connect_four": 132_000, "hex_7": 69_000}

# The targets.
TARGET_ROLLOUT_VS_OPENSPIEL = 3.0  # boardzoo UCT at its best B / OpenSpiel MCTSBot
TARGET_BOOKKEEPING_SHARE = 0.25  # at B = RATIO_BATCH, for every network / search / S
TARGET_BOOKKEEPING_MICROSECONDS = 10.0  # per simulation at B = 1, do-nothing evaluator
TARGET_MCTX_NETWORK, TARGET_MCTX_SEARCH, TARGET_MCTX_SIMULATIONS = "mlp", "boardzoo gumbel", 32
TARGET_B1_SIMS_PER_SECOND = 25_000  # that search at B = 1
TARGET_VS_MCTX = {1: 0.5, RATIO_BATCH: 1.0}  # that search / mctx, by batch size


@dataclass(frozen=True)
class Case:
    """What one search-speed measurement times."""

    section: str
    game: str
    implementation: str
    batch_size: int
    simulations: int
    network: str | None = None

    def __str__(self) -> str:
        return f"{self.network or self.game} / {self.implementation} / B={self.batch_size} / S={self.simulations}"


def network_implementation(variant: str) -> str:
    return f"boardzoo {variant}"


def variant_of(implementation: str) -> str:
    """The search variant an implementation label names (`network_implementation`'s inverse)."""
    return implementation.removeprefix("boardzoo ")


# --- ratios and targets -------------------------------------------------------------------


def forward_share(r: Result[Case]) -> float | None:
    """The network forward pass's share of the time (network section only)."""
    return r.share if r.case.section == "network" else None


def bookkeeping_share(r: Result[Case]) -> float | None:
    """Search bookkeeping's share: all but the network forward pass."""
    share = forward_share(r)
    return None if share is None else 1.0 - share


def microseconds_per_simulation(r: Result[Case]) -> float | None:
    """Bookkeeping section: microseconds per simulation of one tree (1e6 / sims/s)."""
    if r.case.section != "bookkeeping" or not r.median:
        return None
    return 1e6 / r.median


def rollout_summary(results: list[Result[Case]]) -> dict[str, dict[str, Any]]:
    """Per rollout game: OpenSpiel sims/s, ours at the best B and at RATIO_BATCH, the ratios."""
    summary: dict[str, dict[str, Any]] = {}
    for game in dict.fromkeys(r.case.game for r in results if r.case.section == "rollout"):
        mine = [r for r in results if r.case.game == game and r.case.implementation == ROLLOUT]
        ours = {r.case.batch_size: r.median for r in mine if r.median is not None}
        peer = next((r for r in results if r.case.game == game and r.case.implementation == OPENSPIEL), None)
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


def mctx_ratios(results: list[Result[Case]]) -> list[dict[str, Any]]:
    """boardzoo (each search) / mctx sims/s at the mctx batch size, per mctx peer (dynamics),
    network and S."""
    rows = []
    for peer in (r for r in results if r.case.section == "mctx" and r.median):
        key = (peer.case.network, peer.case.batch_size, peer.case.simulations)
        for ours in results:
            if (
                ours.case.section == "network"
                and (ours.case.network, ours.case.batch_size, ours.case.simulations) == key
            ):
                rows.append(
                    {
                        "network": peer.case.network,
                        "peer": peer.case.implementation,
                        "implementation": ours.case.implementation,
                        "batch_size": peer.case.batch_size,
                        "simulations": peer.case.simulations,
                        "mctx": peer.median,
                        "ours": ours.median,
                        "ratio": ratio(ours.median, peer.median),
                    }
                )
    return rows


def _is_mctx_target(network: str | None, implementation: str, simulations: int) -> bool:
    # The network-search case (network, search, S), compared with mctx.
    return (network, implementation, simulations) == (TARGET_MCTX_NETWORK, TARGET_MCTX_SEARCH, TARGET_MCTX_SIMULATIONS)


def evaluate_targets(summary: dict[str, dict[str, Any]], results: list[Result[Case]]) -> list[dict]:
    """The issue's targets with the measured values; met is None where not measurable."""
    targets = []
    for game, s in summary.items():
        best = f"B={s['best_batch']}" if s["best_batch"] else "best B"
        description = f"{ROLLOUT} ({best}) >= {TARGET_ROLLOUT_VS_OPENSPIEL:g}x {OPENSPIEL}"
        missing = f"not measured: {OPENSPIEL} unavailable ({s['openspiel_unavailable']})"
        targets.append(target(description, game, s["ratio_best"], TARGET_ROLLOUT_VS_OPENSPIEL, missing=missing))
    for r in results:
        if r.case.section == "bookkeeping" and r.case.batch_size == 1:
            micro = microseconds_per_simulation(r)
            targets.append(
                target(
                    f"bookkeeping <= {TARGET_BOOKKEEPING_MICROSECONDS:g} us per simulation at B=1 (budget / measured)",
                    f"{r.case.implementation} / S={r.case.simulations}"
                    + (f" ({micro:.1f} us)" if micro is not None else ""),
                    None if micro is None else TARGET_BOOKKEEPING_MICROSECONDS / micro,
                    1.0,
                    missing=f"not measured ({r.unavailable})",
                )
            )
        if r.case.section != "network":
            continue
        if _is_mctx_target(r.case.network, r.case.implementation, r.case.simulations) and r.case.batch_size == 1:
            targets.append(
                target(
                    f"network search >= {TARGET_B1_SIMS_PER_SECOND:,} sims/s at B=1 (measured / budget)",
                    f"{r.case.network} / {r.case.implementation} / S={r.case.simulations}"
                    + (f" ({r.median:,.0f} sims/s)" if r.median else ""),
                    None if not r.median else r.median / TARGET_B1_SIMS_PER_SECOND,
                    1.0,
                    missing=f"not measured ({r.unavailable})",
                )
            )
        if r.case.batch_size != RATIO_BATCH:
            continue
        description = f"search bookkeeping <= {TARGET_BOOKKEEPING_SHARE:.0%} of the time at B={RATIO_BATCH}"
        subject = f"{r.case.network} / {r.case.implementation} / S={r.case.simulations}"
        targets.append(
            target(
                description,
                subject,
                bookkeeping_share(r),
                TARGET_BOOKKEEPING_SHARE,
                kind="share",
                at_most=True,
                missing=f"not measured ({r.unavailable})",
            )
        )
    for q in mctx_ratios(results):
        threshold = TARGET_VS_MCTX.get(q["batch_size"])
        if threshold is None or not _is_mctx_target(q["network"], q["implementation"], q["simulations"]):
            continue
        targets.append(
            target(
                f"network search >= {threshold:g}x {q['peer']} at B={q['batch_size']}",
                f"{q['network']} / {q['implementation']} / S={q['simulations']}",
                q["ratio"],
                threshold,
            )
        )
    return targets


# --- Markdown -----------------------------------------------------------------------------


def rollout_tables(results: list[Result[Case]], summary: dict[str, dict[str, Any]]) -> list[str]:
    rows = []
    for r in (r for r in results if r.case.section == "rollout"):
        ours = r.case.implementation == ROLLOUT
        vs = format_ratio(ratio(r.median, summary[r.case.game]["openspiel"])) if ours else "-"
        rows.append(
            [
                r.case.game,
                r.case.implementation,
                r.case.batch_size,
                r.case.simulations,
                format_rate(r.median, r.unavailable),
                vs,
            ]
        )
    columns = ["game", "implementation", "B", "S", "sims/s (median)", "/ OpenSpiel"]
    ratio_columns = [
        "game",
        "OpenSpiel sims/s (issue ref.)",
        "ours best B",
        "ours sims/s",
        "ratio",
        f"ours B={RATIO_BATCH}",
        f"ratio B={RATIO_BATCH}",
    ]
    ratio_rows = []
    for game, s in summary.items():
        peer = format_rate(s["openspiel"], s["openspiel_unavailable"])
        if game in OPENSPIEL_REFERENCE:
            peer += f" ({OPENSPIEL_REFERENCE[game] / 1000:.0f}k)"
        ratio_rows.append(
            [
                game,
                peer,
                s["best_batch"] or "n/a",
                format_rate(s["ours_best"]),
                format_ratio(s["ratio_best"]),
                format_rate(s["ours_ratio_batch"]),
                format_ratio(s["ratio_ratio_batch"]),
            ]
        )
    return [table(columns, rows, left=2), table(ratio_columns, ratio_rows)]


def network_table(results: list[Result[Case]]) -> str:
    rows = [
        [
            r.case.network,
            r.case.implementation,
            r.case.batch_size,
            r.case.simulations,
            format_rate(r.median, r.unavailable),
            format_share(forward_share(r)),
            format_share(bookkeeping_share(r)),
        ]
        for r in results
        if r.case.section == "network"
    ]
    columns = ["network", "search", "B", "S", "sims/s (median)", "network forward", "search bookkeeping"]
    return table(columns, rows, left=2)


def bookkeeping_table(results: list[Result[Case]], depths: dict[Case, float]) -> str:
    """us per simulation; the time per simulation relative to the same search and B at its
    smallest S (1.00x = flat as the trees grow); the mean descent depth (`depths`, by case) and
    the time per descent step relative to the smallest S (1.00x = each node visited costs
    the same however large the tree)."""
    mine = [r for r in results if r.case.section == "bookkeeping"]
    smallest: dict[tuple[str, int], tuple[float, float | None]] = {}
    for r in sorted(mine, key=lambda r: r.case.simulations):
        micro = microseconds_per_simulation(r)
        if micro is not None:
            depth = depths.get(r.case)
            per_step = micro / depth if depth else None
            smallest.setdefault((r.case.implementation, r.case.batch_size), (micro, per_step))
    rows = []
    for r in mine:
        micro = microseconds_per_simulation(r)
        base, base_step = smallest.get((r.case.implementation, r.case.batch_size), (None, None))
        depth = depths.get(r.case)
        per_step = micro / depth if micro is not None and depth else None
        rows.append(
            [
                r.case.implementation,
                r.case.batch_size,
                r.case.simulations,
                format_rate(r.median, r.unavailable),
                "n/a" if micro is None else f"{micro:.2f}",
                "n/a" if micro is None else f"{micro * r.case.batch_size:.1f}",
                format_ratio(ratio(micro, base)),
                "n/a" if depth is None else f"{depth:.2f}",
                format_ratio(ratio(per_step, base_step)),
            ]
        )
    columns = [
        "search",
        "B",
        "S",
        "sims/s (median)",
        "us / simulation",
        "us / simulation of all B",
        "vs smallest S",
        "descent depth",
        "per descent step vs smallest S",
    ]
    return table(columns, rows, left=1)


def mctx_section(results: list[Result[Case]], mctx_missing: str | None) -> str:
    if mctx_missing is not None:
        return f"{MCTX}: unavailable ({mctx_missing})."
    peers = [r for r in results if r.case.section == "mctx"]
    rows = [[r.case.implementation, r.case.network, r.case.batch_size, r.case.simulations] for r in peers]
    for row, r in zip(rows, peers, strict=True):
        row.append(format_rate(r.median, r.unavailable))
    parts = [
        f"Two mctx peers: `{MCTX}` with identity dynamics (mctx has no game rules: every leaf "
        "re-evaluates the root observation, so it times search plus network only, less work than "
        f"ours), and `{MCTX_PGX}`, whose `recurrent_fn` steps pgx's Connect Four (JAX) and evaluates "
        "the new position's observation, the work our search does at each leaf (game kernel, "
        "legality, wins, observation), as in pgx's AlphaZero example.",
        table(["peer", "network", "B", "S", "mctx sims/s (median)"], rows, left=2),
    ]
    ratios = mctx_ratios(results)
    if ratios:
        rows = [
            [q["peer"], q["network"], q["implementation"], q["batch_size"], q["simulations"], format_ratio(q["ratio"])]
            for q in ratios
        ]
        parts.append(table(["peer", "network", "boardzoo search", "B", "S", "boardzoo / mctx"], rows, left=3))
    forward = forward_rows(results)
    if forward:
        parts.append(
            "The networks alone (one forward pass over B root observations; positions/s): ours as the "
            "search calls it, and the jitted JAX port mctx searches with. mctx search / its network = "
            "mctx sims/s over its network's positions/s at that B and S (1 = the search loop costs "
            "nothing beyond the network; well below 1 = the loop, not the network, sets mctx's speed; "
            "above 1 at small B = the network called alone pays JAX's per-call dispatch, which the "
            "jitted search loop does not)."
        )
        rows = [
            [
                q["network"],
                q["batch_size"],
                format_rate(q["boardzoo"]),
                format_rate(q["jax"]),
                format_ratio(q["jax_vs_boardzoo"]),
                ", ".join(f"S={sims}: {share:.2f}" for sims, share in q["mctx_vs_network"].items()) or "-",
            ]
            for q in forward
        ]
        columns = [
            "network",
            "B",
            "boardzoo positions/s",
            "JAX positions/s",
            "JAX / boardzoo",
            "mctx search / its network",
        ]
        parts.append(table(columns, rows))
    return "\n\n".join(parts)


def forward_rows(results: list[Result[Case]]) -> list[dict[str, Any]]:
    """Per network and B: each side's network alone (positions/s), their ratio, and mctx's
    search sims/s over its network's positions/s for each S."""
    alone = {
        (r.case.network, r.case.batch_size, r.case.implementation): r.median
        for r in results
        if r.case.section == "forward"
    }
    rows = []
    for network, batch in dict.fromkeys((network, batch) for network, batch, _ in alone):
        ours, jax_rate = alone.get((network, batch, FORWARD)), alone.get((network, batch, JAX_FORWARD))
        searches = [
            r
            for r in results
            if r.case.section == "mctx"
            and r.case.implementation == MCTX
            and (r.case.network, r.case.batch_size) == (network, batch)
        ]
        rows.append(
            {
                "network": network,
                "batch_size": batch,
                "boardzoo": ours,
                "jax": jax_rate,
                "jax_vs_boardzoo": ratio(jax_rate, ours),
                "mctx_vs_network": {r.case.simulations: r.median / jax_rate for r in searches if r.median and jax_rate},
            }
        )
    return rows


def network_description(networks: dict[str, dict[str, Any]]) -> str:
    described = "; ".join(
        f'{name} = `NetworkConfig(kind="{s["config"]["kind"]}", blocks={s["config"]["blocks"]}, '
        f"channels={s['config']['channels']})`, {s['parameters']:,} parameters, "
        f"{s['flops_per_evaluation'] / 1e6:.1f} MFLOP per position"
        for name, s in networks.items()
    )
    return (
        f"{NETWORK_GAME}; `TorchEvaluator` on CPU, float32, eval mode, seeded random weights; networks from "
        f"`boardzoo.agents.models`: {described}. network forward = `TorchEvaluator.forward_seconds` / total; "
        "bookkeeping = the rest (selection, expansion, kernel steps, observations, backup). "
        f"Searches: {', '.join(SEARCH_VARIANTS)}."
    )


def markdown_report(
    config: TimedConfig,
    sections: tuple[str, ...],
    results: list[Result[Case]],
    summary: dict[str, dict[str, Any]],
    targets: list[dict],
    mctx_missing: str | None,
    networks: dict[str, dict[str, Any]],
    depths: dict[Case, float],
) -> str:
    mode = " (quick smoke run)" if config.quick else ""
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
            *rollout_tables(results, summary),
        ]
    if "network" in sections:
        parts += ["## Network-guided search", network_description(networks), network_table(results)]
    if "bookkeeping" in sections:
        parts += [
            "## Bookkeeping alone",
            f"The network-guided searches on {NETWORK_GAME} with a do-nothing evaluator (zero logits and "
            "values, no observation): all the time is search bookkeeping (selection, expansion with the "
            "game's kernel, backup; one numba call per simulation). vs smallest S = time per simulation "
            "relative to the smallest S (above 1 = slower per simulation as the trees grow). descent "
            "depth = mean depth of the nodes one search adds (selection steps per simulation); per "
            "descent step vs smallest S = the same ratio per selection step (above 1 = each node "
            "visited costs more in a bigger tree, e.g. from cache misses).",
            bookkeeping_table(results, depths),
        ]
    if "mctx" in sections:
        parts += ["## Peer: mctx (JAX)", mctx_section(results, mctx_missing)]
    parts += ["## Targets", target_lines(targets)]
    return "\n\n".join(parts)

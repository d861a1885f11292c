"""Selection rules as numba kernels: one descent (`select_leaves`) parameterised by the rule at
the root and the rule below it, so PUCT, UCT and Gumbel searches share one simulation loop.

- PUCT (AlphaZero): Q + c · P · sqrt(N) / (1 + n); an unvisited action's Q is the node's mean
  value minus `fpu_reduction` · sqrt(prior mass already visited) (first-play urgency).
- UCT: Q + c · sqrt(ln N / n), unvisited actions first.
- Gumbel (Danihelka et al. 2022): at the root, among the actions whose visit count equals
  this simulation's sequential-halving target, the largest g + logits + σ(q̂); below the root,
  the action whose improved-policy probability most exceeds its share of visits.
Ties go to the lowest action. Shapes: B batch, N nodes, A actions.
"""

from __future__ import annotations

import numba
import numpy as np

from boardzoo.agents.search.tree import UNPROVEN, proven_for_mover

PUCT = 0
UCT = 1
GUMBEL = 2
RULES = {"puct": PUCT, "uct": UCT, "gumbel": GUMBEL}
_NEGLIGIBLE = -1e9


@numba.njit(cache=True)
def select_leaves(
    node_visits,
    node_terminal,
    node_raw_value,
    children_index,
    children_prior,
    children_visits,
    children_value_sum,
    children_legal,
    node_proven,
    node_player,
    solver,
    active,
    root_rule,
    interior_rule,
    exploration,
    fpu_reduction,
    c_visit,
    c_scale,
    gumbel,
    root_logits,
    considered_visit,
    out_node,
    out_action,
):
    # For each active row, descend from the root to a node whose chosen action is not expanded
    # yet (out_action >= 0) or to a terminal node (out_action = -1); inactive rows get -1, -1.
    num_actions = children_index.shape[2]
    scratch = np.empty((2, num_actions))
    stats = (children_visits, children_value_sum, children_prior, children_legal, node_raw_value)
    constants = (exploration, fpu_reduction, c_visit, c_scale)
    gumbel_root = (gumbel, root_logits, considered_visit)
    for b in range(children_index.shape[0]):
        out_node[b] = -1
        out_action[b] = -1
        if not active[b]:
            continue
        node = 0
        while True:
            if node_terminal[b, node] or (solver and node > 0 and node_proven[b, node] != UNPROVEN):
                out_node[b] = node  # a terminal or proven node is a leaf with an exact value
                break
            best = _proven_choice(node_proven, node_player, children_index, children_legal, b, node) if solver else -1
            if best < 0:
                rule = root_rule if node == 0 else interior_rule
                best = _rule_choice(rule, stats, node_visits, b, node, constants, gumbel_root, scratch)
            if solver and best >= 0 and proven_for_mover(node_proven, node_player, children_index, b, node, best) == -1:
                best = _avoid_proven_loss(
                    node_proven, node_player, children_index, children_legal, children_visits, b, node, best
                )
            child = children_index[b, node, best]
            if child < 0:
                out_node[b] = node
                out_action[b] = best
                break
            node = child


@numba.njit(cache=True)
def _rule_choice(rule, stats, node_visits, b, node, constants, gumbel_root, scratch):
    # The action the selection rule picks at one node. constants: (exploration, fpu_reduction,
    # c_visit, c_scale); gumbel_root: (gumbel, root_logits, considered_visit).
    children_visits, _, children_prior, children_legal, _ = stats
    exploration, fpu_reduction, c_visit, c_scale = constants
    gumbel, root_logits, considered_visit = gumbel_root
    if rule == GUMBEL:
        _sigma_completed_q(stats, b, node, c_visit, c_scale, scratch[0])
        if node == 0:
            return _gumbel_root(children_visits, children_legal, gumbel, root_logits, considered_visit, b, scratch[0])
        return _gumbel_interior(children_visits, children_prior, children_legal, b, node, scratch)
    return _ucb(node_visits, stats, b, node, rule, exploration, fpu_reduction)


@numba.njit(cache=True)
def _proven_choice(node_proven, node_player, children_index, children_legal, b, node):
    # A proven win for the mover is taken at once (-1 if there is none).
    for a in range(children_index.shape[2]):
        if children_legal[b, node, a] and proven_for_mover(node_proven, node_player, children_index, b, node, a) == 1:
            return a
    return -1


@numba.njit(cache=True)
def _avoid_proven_loss(node_proven, node_player, children_index, children_legal, children_visits, b, node, best):
    # The least visited legal action not proven lost (the rule's choice if all are lost).
    choice = -1
    for a in range(children_index.shape[2]):
        if not children_legal[b, node, a]:
            continue
        if proven_for_mover(node_proven, node_player, children_index, b, node, a) == -1:
            continue
        if choice < 0 or children_visits[b, node, a] < children_visits[b, node, choice]:
            choice = a
    return best if choice < 0 else choice


@numba.njit(cache=True)
def _ucb(node_visits, stats, b, node, rule, exploration, fpu_reduction):
    # The PUCT or UCT choice at one node.
    children_visits, children_value_sum, children_prior, children_legal, _ = stats
    num_actions = children_prior.shape[2]
    parent_visits = max(node_visits[b, node], 1)
    value_sum, visit_count, visited_prior = 0.0, 0, 0.0
    for a in range(num_actions):
        if children_visits[b, node, a] > 0:
            value_sum += children_value_sum[b, node, a]
            visit_count += children_visits[b, node, a]
            visited_prior += children_prior[b, node, a]
    fpu = 0.0
    if visit_count > 0:
        fpu = value_sum / visit_count - fpu_reduction * np.sqrt(visited_prior)
    best, best_score = -1, -np.inf
    log_parent = np.log(parent_visits)
    sqrt_parent = np.sqrt(parent_visits)
    for a in range(num_actions):
        if not children_legal[b, node, a]:
            continue
        n = children_visits[b, node, a]
        if rule == UCT:
            score = np.inf if n == 0 else children_value_sum[b, node, a] / n + exploration * np.sqrt(log_parent / n)
        else:
            q = children_value_sum[b, node, a] / n if n > 0 else fpu
            score = q + exploration * children_prior[b, node, a] * sqrt_parent / (1 + n)
        if score > best_score:
            best, best_score = a, score
    return best


@numba.njit(cache=True)
def _gumbel_root(children_visits, children_legal, gumbel, root_logits, considered_visit, b, sigma):
    # Sequential halving: among actions visited exactly considered_visit[b] times, the largest
    # g + logits + σ(q̂); if none (an inconsistent schedule), the least visited legal action.
    num_actions = sigma.shape[0]
    best, best_score = -1, -np.inf
    for a in range(num_actions):
        if children_legal[b, 0, a] and children_visits[b, 0, a] == considered_visit[b]:
            score = max(_NEGLIGIBLE, gumbel[b, a] + root_logits[b, a] + sigma[a])
            if score > best_score:
                best, best_score = a, score
    if best < 0:
        for a in range(num_actions):
            if children_legal[b, 0, a] and (best < 0 or children_visits[b, 0, a] < children_visits[b, 0, best]):
                best = a
    return best


@numba.njit(cache=True)
def _gumbel_interior(children_visits, children_prior, children_legal, b, node, scratch):
    # argmax of improved policy - visits / (1 + total visits); scratch[0] holds σ(q̂).
    num_actions = scratch.shape[1]
    sigma, improved = scratch[0], scratch[1]
    top = -np.inf
    for a in range(num_actions):
        improved[a] = -np.inf
        if children_legal[b, node, a]:
            improved[a] = np.log(max(children_prior[b, node, a], 1e-12)) + sigma[a]
            top = max(top, improved[a])
    weights_total, visits_total = 0.0, 0
    for a in range(num_actions):
        if children_legal[b, node, a]:
            improved[a] = np.exp(improved[a] - top)
            weights_total += improved[a]
            visits_total += children_visits[b, node, a]
    best, best_score = -1, -np.inf
    for a in range(num_actions):
        if children_legal[b, node, a]:
            score = improved[a] / weights_total - children_visits[b, node, a] / (1.0 + visits_total)
            if score > best_score:
                best, best_score = a, score
    return best


@numba.njit(cache=True)
def _sigma_completed_q(stats, b, node, c_visit, c_scale, out):
    # out[a] = σ(q̂(a)) for the node's legal actions: Q completed by the mixed value, rescaled
    # to [0, 1] over legal actions, times (c_visit + max visits) * c_scale. `stats` is
    # (children_visits, children_value_sum, children_prior, children_legal, node_raw_value).
    children_visits, children_value_sum, children_prior, children_legal, node_raw_value = stats
    num_actions = out.shape[0]
    total_visits, max_visits, visited_prior, weighted_q = 0, 0, 0.0, 0.0
    for a in range(num_actions):
        n = children_visits[b, node, a]
        total_visits += n
        max_visits = max(max_visits, n)
        if n > 0:
            p = max(children_prior[b, node, a], 1e-12)
            visited_prior += p
            weighted_q += p * children_value_sum[b, node, a] / n
    mixed = node_raw_value[b, node]
    if total_visits > 0:
        mixed = (node_raw_value[b, node] + total_visits * weighted_q / visited_prior) / (total_visits + 1)
    low, high = np.inf, -np.inf
    for a in range(num_actions):
        n = children_visits[b, node, a]
        q = children_value_sum[b, node, a] / n if n > 0 else mixed
        out[a] = q
        if children_legal[b, node, a]:
            low = min(low, q)
            high = max(high, q)
    span = max(high - low, 1e-8)
    scale = (c_visit + max_visits) * c_scale
    for a in range(num_actions):
        out[a] = (out[a] - low) / span * scale if children_legal[b, node, a] else 0.0


@numba.njit(cache=True)
def root_sigma(
    children_visits, children_value_sum, children_prior, children_legal, node_raw_value, active, c_visit, c_scale, out
):
    # out[b] = σ(q̂) at the root of each active row.
    stats = (children_visits, children_value_sum, children_prior, children_legal, node_raw_value)
    for b in range(out.shape[0]):
        if active[b]:
            _sigma_completed_q(stats, b, 0, c_visit, c_scale, out[b])

"""Selection rules as numba kernels: one descent (`select_row`) parameterised by the rule at
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


@numba.njit(cache=True, inline="always")
def select_row(
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
    b,
    root_rule,
    interior_rule,
    constants,
    gumbel,
    root_logits,
    target,
    scratch,
):
    # Descend row b from the root to a node whose chosen action is not expanded yet; returns
    # (node, action), or (node, -1) at a terminal (or, with the solver, proven) node.
    # constants: (exploration, fpu_reduction, c_visit, c_scale); gumbel, root_logits: [B, A]
    # (Gumbel root only); target: this simulation's sequential-halving visit target at a
    # Gumbel root; scratch: float64[2, A].
    exploration, fpu_reduction, c_visit, c_scale = constants
    node = 0
    while True:
        if node_terminal[b, node] or (solver and node > 0 and node_proven[b, node] != UNPROVEN):
            return node, -1  # a terminal or proven node is a leaf with an exact value
        best = _proven_choice(node_proven, node_player, children_index, children_legal, b, node) if solver else -1
        if best < 0:
            visits = children_visits[b, node]
            value_sum = children_value_sum[b, node]
            prior = children_prior[b, node]
            legal = children_legal[b, node]
            rule = root_rule if node == 0 else interior_rule
            if rule == GUMBEL and node == 0:
                sigma = scratch[0]
                sigma_completed_q(visits, value_sum, prior, legal, node_raw_value[b, node], c_visit, c_scale, sigma)
                best = _gumbel_root(visits, legal, gumbel[b], root_logits[b], target, sigma)
            elif rule == GUMBEL:
                raw_value = node_raw_value[b, node]
                best = _gumbel_interior(visits, value_sum, prior, legal, raw_value, c_visit, c_scale, scratch[1])
            else:
                best = _ucb(node_visits[b, node], visits, value_sum, prior, legal, rule, exploration, fpu_reduction)
        if solver and best >= 0 and proven_for_mover(node_proven, node_player, children_index, b, node, best) == -1:
            best = _avoid_proven_loss(
                node_proven, node_player, children_index, children_legal, children_visits, b, node, best
            )
        child = children_index[b, node, best]
        if child < 0:
            return node, best
        node = child


@numba.njit(cache=True, inline="always")
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


@numba.njit(cache=True, inline="always")
def _ucb(parent_visits, visits, value_sum, prior, legal, rule, exploration, fpu_reduction):
    # The PUCT or UCT choice at one node, from its children's statistics [A]. Inlined: it
    # runs at every node of every descent.
    num_actions = prior.shape[0]
    parent_visits = max(parent_visits, 1)
    fpu, log_parent, sqrt_parent = 0.0, 0.0, 0.0
    if rule == UCT:
        log_parent = np.log(parent_visits)
    else:
        visited_sum, visit_count, visited_prior = 0.0, 0, 0.0
        for a in range(num_actions):
            if visits[a] > 0:
                visited_sum += value_sum[a]
                visit_count += visits[a]
                visited_prior += prior[a]
        if visit_count > 0:
            fpu = visited_sum / visit_count - fpu_reduction * np.sqrt(visited_prior)
        sqrt_parent = np.sqrt(parent_visits)
    best, best_score = -1, -np.inf
    for a in range(num_actions):
        if not legal[a]:
            continue
        n = visits[a]
        if rule == UCT:
            score = np.inf if n == 0 else value_sum[a] / n + exploration * np.sqrt(log_parent / n)
        else:
            q = value_sum[a] / n if n > 0 else fpu
            score = q + exploration * prior[a] * sqrt_parent / (1 + n)
        if score > best_score:
            best, best_score = a, score
    return best


@numba.njit(cache=True)
def _gumbel_root(visits, legal, gumbel, root_logits, target, sigma):
    # Sequential halving: among actions visited exactly `target` times, the largest
    # g + logits + σ(q̂); if none (an inconsistent schedule), the least visited legal action.
    num_actions = sigma.shape[0]
    best, best_score = -1, -np.inf
    for a in range(num_actions):
        if legal[a] and visits[a] == target:
            score = max(_NEGLIGIBLE, gumbel[a] + root_logits[a] + sigma[a])
            if score > best_score:
                best, best_score = a, score
    if best < 0:
        for a in range(num_actions):
            if legal[a] and (best < 0 or visits[a] < visits[best]):
                best = a
    return best


@numba.njit(cache=True, inline="always")
def _gumbel_interior(visits, value_sum, prior, legal, raw_value, c_visit, c_scale, weights):
    # argmax of improved policy - visits / (1 + total visits), from the node's children's
    # statistics [A] and its raw value; `weights` is scratch space [A]. The numbers of
    # `sigma_completed_q` followed by softmax(log prior + σ), in fewer passes: the improved
    # policy is prior · exp(σ - max σ), normalised (no logarithm per action), and max σ is σ at
    # the largest legal Q, (high - low) / span · scale, so it needs no pass of its own.
    num_actions = weights.shape[0]
    low, high, max_visits = _completed_q(visits, value_sum, prior, legal, raw_value, weights)
    span = max(high - low, 1e-8)
    scale = (c_visit + max_visits) * c_scale
    top = (high - low) / span * scale
    weights_total, legal_visits = 0.0, 0
    for a in range(num_actions):
        weight = 0.0
        if legal[a]:
            weight = max(prior[a], 1e-12) * np.exp((weights[a] - low) / span * scale - top)
            weights_total += weight
            legal_visits += visits[a]
        weights[a] = weight
    best, best_score = -1, -np.inf
    for a in range(num_actions):
        if legal[a]:
            score = weights[a] / weights_total - visits[a] / (1.0 + legal_visits)
            if score > best_score:
                best, best_score = a, score
    return best


@numba.njit(cache=True, inline="always")
def _completed_q(visits, value_sum, prior, legal, raw_value, out):
    # out[a] = Q of each action, unvisited ones completed by the mixed value (raw value and
    # the prior-weighted Q of the visited); returns (lowest, highest legal Q, max visits).
    num_actions = out.shape[0]
    total_visits, max_visits, visited_prior, weighted_q = 0, 0, 0.0, 0.0
    for a in range(num_actions):
        n = visits[a]
        total_visits += n
        max_visits = max(max_visits, n)
        if n > 0:
            p = max(prior[a], 1e-12)
            visited_prior += p
            weighted_q += p * value_sum[a] / n
    mixed = raw_value
    if total_visits > 0:
        mixed = (raw_value + total_visits * weighted_q / visited_prior) / (total_visits + 1)
    low, high = np.inf, -np.inf
    for a in range(num_actions):
        n = visits[a]
        q = value_sum[a] / n if n > 0 else mixed
        out[a] = q
        if legal[a]:
            low = min(low, q)
            high = max(high, q)
    return low, high, max_visits


@numba.njit(cache=True, inline="always")
def sigma_completed_q(visits, value_sum, prior, legal, raw_value, c_visit, c_scale, out):
    # out[a] = σ(q̂(a)) for the node's legal actions, from its children's statistics [A] and
    # its raw value: Q completed by the mixed value, rescaled to [0, 1] over legal actions,
    # times (c_visit + max visits) * c_scale.
    low, high, max_visits = _completed_q(visits, value_sum, prior, legal, raw_value, out)
    span = max(high - low, 1e-8)
    scale = (c_visit + max_visits) * c_scale
    for a in range(out.shape[0]):
        out[a] = (out[a] - low) / span * scale if legal[a] else 0.0

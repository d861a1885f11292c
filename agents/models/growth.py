"""Net2Net growth (Chen, Goodfellow & Shlens 2016): a bigger network that computes the same
function as a trained one, so training (or distillation) continues from where it was.

    wide = widen(net, 48, generator=torch.Generator().manual_seed(0))   # 32 -> 48 channels
    deep = deepen(net, 6)                                               # 4 -> 6 blocks
    optimizer = torch.optim.AdamW(wide.parameters(), lr=1e-3)
    carry_optimizer_state(old_optimizer, net, wide, optimizer)

`widen` (resnet, se_resnet, mlp) is Net2WiderNet. Each widened set of units (the tower's
channels, which the skip connections tie together; each block's inner channels; each
squeeze-and-excitation bottleneck; each MLP hidden layer) keeps its old units and adds copies
of randomly chosen ones. A copy repeats its unit's incoming weights, bias and batch-norm
running statistics and affine parameters, so it computes the same activation in eval and in
train mode. The layers that read those units split the unit's outgoing weights among its
copies in shares that sum to one, so their sum is unchanged. With `break_symmetry=True` (the
default) the shares are random, drawn in [0.5, 1.5) and normalised. With `break_symmetry=False`
every copy gets 1/count, as in the paper, and then a unit and its copies receive the same
gradients forever, so they never become different units.

`deepen` appends blocks that compute the identity. In a new residual block (resnet,
se_resnet) the last batch norm's weight and bias are zero, so the residual branch outputs 0 (the
SE scale multiplies that 0) and the block returns relu(x) = x, since x comes out of a ReLU. A
new MLP layer is the identity matrix with zero bias after a ReLU, and ReLU(I·x) = x. A new
transformer layer has zeroed output projections in both residual branches. The rest of a new
block is freshly initialised, so the zeroed parts get gradients at once. Deepening an MLP needs
at least one hidden layer, because the flattened observation is not `channels` wide.

Optimizer state (`carry_optimizer_state`): the new optimizer gets the state the old one would
have had if the new network had produced the same gradients all along. A parameter that
`deepen` kept, or that `widen` did not touch, gets a copy of its state. A widened parameter
gets its state through the same copy mapping as its weights, with the shares applied to
the gradient rather than to the weights. The gradient of a copy's incoming weights (rows) is
its share times the original's, because the layers that read the copy scale its effect by that
share. The gradient of a split outgoing weight (column) equals the original's, because the copy's
input is equal to the original's. So first-order state ("exp_avg", "momentum_buffer") is
multiplied by the row's share and second-order state (keys containing "sq": "exp_avg_sq",
"max_exp_avg_sq", "square_avg") by its square. Scalars such as Adam's "step" are copied.
Parameters that `deepen` added get no state, so Adam starts them fresh with their own step
count. Carry once per growth step: a network grown twice must be carried twice.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace

import torch
from torch import nn

from boardzoo.agents.models.networks import (
    CONV_KINDS,
    NetworkConfig,
    PolicyValueNet,
    SEResidualBlock,
    build_network,
    se_channels,
)
from boardzoo.agents.models.transformer import EncoderLayer
from boardzoo.agents.validation import check_int

WIDENABLE = ("resnet", "se_resnet", "mlp")
DEEPENABLE = ("resnet", "se_resnet", "mlp", "transformer")
_STEM_LAYERS = 3  # conv, BN, ReLU before the first residual block


@dataclass(frozen=True)
class _Units:
    """A widened set of units: new unit -> the old unit it copies, and its share of the old
    unit's outgoing weights."""

    source: torch.Tensor  # int64[new]
    share: torch.Tensor  # float32[new], summing to 1 over the copies of each old unit


@dataclass(frozen=True)
class _Source:
    """Where a parameter of a grown network came from."""

    name: str
    rows: _Units | None  # its dim 0 (output units) was widened
    columns: _Units | None  # its dim 1 (input units) was widened


@dataclass(frozen=True)
class _Growth:
    """Recorded on a grown network for `carry_optimizer_state`."""

    source_shapes: dict[str, tuple[int, ...]]
    sources: dict[str, _Source]  # new parameter name -> source; absent: a new parameter


def widen(
    net: PolicyValueNet, channels: int, *, generator: torch.Generator | None = None, break_symmetry: bool = True
) -> PolicyValueNet:
    """A copy of `net` with `channels` channels (resnet, se_resnet) or hidden units (mlp),
    computing the same function (Net2WiderNet; see the module docstring).

    Args:
      net: the network to grow; it is not modified.
      channels: the new width, at least `net.config.channels`.
      generator: draws which units are copied and their shares (None: torch's default).
      break_symmetry: split a unit's outgoing weights among its copies in random shares
        instead of equal ones.

    Returns:
      The new network, on `net`'s device and in its train/eval mode, with
      `config.channels == channels`.
    """
    config = _check_net(net, "widen", WIDENABLE)
    check_int("channels", channels, minimum=config.channels)
    new = _rebuild(net, replace(config, channels=channels), generator)

    def units(old: int, new: int) -> _Units:
        return _replicate(old, new, generator, break_symmetry)

    if config.kind == "mlp":
        plan = _mlp_plan(net, lambda: units(config.channels, channels))
    else:
        plan = _conv_plan(net, units(config.channels, channels), units)
    old_state = {name: tensor.detach().cpu() for name, tensor in net.state_dict().items()}
    state = {}
    for name in new.state_dict():
        rows, columns = plan.get(name.rpartition(".")[0], (None, None))
        state[name] = _widen_tensor(old_state[name], rows, columns)
    new.load_state_dict(state)
    parameters = {name for name, _ in net.named_parameters()}
    sources = {
        name: _Source(name, *plan.get(name.rpartition(".")[0], (None, None))) for name in state if name in parameters
    }
    return _finish(net, new, sources)


def deepen(net: PolicyValueNet, blocks: int, *, generator: torch.Generator | None = None) -> PolicyValueNet:
    """A copy of `net` with `blocks` residual blocks (resnet, se_resnet), hidden layers (mlp)
    or encoder layers (transformer), computing the same function: the new ones are appended
    after the old and initialised to the identity (see the module docstring).

    Args:
      net: the network to grow; it is not modified.
      blocks: the new depth, at least `net.config.blocks` (and an mlp needs at least one
        hidden layer to deepen).
      generator: draws the new blocks' random weights (None: torch's default).

    Returns:
      The new network, on `net`'s device and in its train/eval mode, with
      `config.blocks == blocks`.
    """
    config = _check_net(net, "deepen", DEEPENABLE)
    check_int("blocks", blocks, minimum=config.blocks)
    if config.kind == "mlp" and config.blocks == 0 and blocks > 0:
        raise ValueError(
            "deepen needs an mlp with at least one hidden layer (its input is the flattened "
            f"observation, not channels wide), got blocks={config.blocks}"
        )
    new = _rebuild(net, replace(config, blocks=blocks), generator)
    state = new.state_dict()
    kept = net.state_dict()
    state.update({name: tensor.detach().cpu() for name, tensor in kept.items()})
    new.load_state_dict(state)
    with torch.no_grad():
        if config.kind in CONV_KINDS:
            for block in list(new.trunk)[_STEM_LAYERS + config.blocks :]:
                nn.init.zeros_(block.body[4].weight)
                nn.init.zeros_(block.body[4].bias)
        elif config.kind == "mlp":
            for layer in list(new.trunk)[1 + 2 * config.blocks :: 2]:
                layer.weight.copy_(torch.eye(config.channels))
                nn.init.zeros_(layer.bias)
        else:
            for layer in list(new.trunk.layers)[config.blocks :]:
                assert isinstance(layer, EncoderLayer)
                layer.make_identity()
    parameters = [name for name, _ in net.named_parameters()]
    return _finish(net, new, {name: _Source(name, None, None) for name in parameters})


def carry_optimizer_state(
    old_optimizer: torch.optim.Optimizer,
    old_net: nn.Module,
    new_net: nn.Module,
    new_optimizer: torch.optim.Optimizer,
) -> None:
    """Give `new_optimizer` (built over `new_net`'s parameters, no steps taken) the state
    `old_optimizer` holds for `old_net`, mapped as the module docstring says.

    Raises:
      ValueError: `new_net` was not made from `old_net` by one `widen` or `deepen`, or the two
        optimizers are of different types, or the state holds a tensor of the parameter's
        shape whose key is unknown.
    """
    growth = getattr(new_net, "_growth", None)
    if not isinstance(growth, _Growth):
        raise ValueError("new_net must be a network returned by widen or deepen, got one that was not grown")
    old_parameters = dict(old_net.named_parameters())
    if {name: tuple(p.shape) for name, p in old_parameters.items()} != growth.source_shapes:
        raise ValueError("new_net was not grown from old_net (their parameter names or shapes do not match)")
    if type(old_optimizer) is not type(new_optimizer):
        raise ValueError(
            f"new_optimizer must be of type {type(old_optimizer).__name__} like old_optimizer, "
            f"got {type(new_optimizer).__name__}"
        )
    optimized = {id(p) for group in new_optimizer.param_groups for p in group["params"]}
    for name, parameter in new_net.named_parameters():
        source = growth.sources.get(name)
        if source is None or id(parameter) not in optimized:  # a new parameter starts fresh
            continue
        old_parameter = old_parameters[source.name]
        state = old_optimizer.state.get(old_parameter)
        if state:
            shape = tuple(old_parameter.shape)
            new_optimizer.state[parameter] = {k: _carry_state(k, v, source, shape) for k, v in state.items()}


def _check_net(net: PolicyValueNet, action: str, kinds: tuple[str, ...]) -> NetworkConfig:
    if not isinstance(net, PolicyValueNet):
        raise ValueError(f"{action} grows a PolicyValueNet, got {type(net).__name__}")
    if net.config.kind not in kinds:
        raise ValueError(f"{action} supports kind one of {list(kinds)}, got {net.config.kind!r}")
    return net.config


def _rebuild(net: PolicyValueNet, config: NetworkConfig, generator: torch.Generator | None) -> PolicyValueNet:
    # A fresh network of the new shape; its random weights come from `generator` when given,
    # and the global RNG is left as it was.
    if generator is None:
        return build_network(config, net.observation_shape, net.num_actions)
    seed = int(torch.randint(2**62, (1,), generator=generator))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build_network(config, net.observation_shape, net.num_actions)


def _finish(net: PolicyValueNet, new: PolicyValueNet, sources: dict[str, _Source]) -> PolicyValueNet:
    reference = next(net.parameters())
    new = new.to(device=reference.device, dtype=reference.dtype).train(net.training)
    shapes = {name: tuple(p.shape) for name, p in net.named_parameters()}
    new._growth = _Growth(shapes, sources)
    return new


def _replicate(old: int, new: int, generator: torch.Generator | None, break_symmetry: bool) -> _Units:
    # Keep units 0..old-1 and append copies of random ones, then share each unit's outgoing
    # weights among its copies.
    source = torch.cat([torch.arange(old), torch.randint(old, (new - old,), generator=generator)])
    if break_symmetry:
        weights = torch.rand(new, generator=generator, dtype=torch.float64) + 0.5
    else:
        weights = torch.ones(new, dtype=torch.float64)
    totals = torch.zeros(old, dtype=torch.float64).index_add_(0, source, weights)
    return _Units(source, (weights / totals[source]).float())


def _conv_plan(
    net: PolicyValueNet, tower: _Units, units: Callable[[int, int], _Units]
) -> dict[str, tuple[_Units | None, _Units | None]]:
    # Module prefix -> (units of its output dim, units of its input dim). The tower's channels
    # are one set: the skip connections add the stem's and every block's outputs together.
    channels = net.config.channels
    plan = {"trunk.0": (tower, None), "trunk.1": (tower, None)}
    plan |= {"policy_conv.0": (None, tower), "value_conv.0": (None, tower)}
    new_channels = tower.source.numel()
    for index, block in enumerate(list(net.trunk)[_STEM_LAYERS:], start=_STEM_LAYERS):
        inner = units(channels, new_channels)
        prefix = f"trunk.{index}"
        plan |= {f"{prefix}.body.0": (inner, tower), f"{prefix}.body.1": (inner, None)}
        plan |= {f"{prefix}.body.3": (tower, inner), f"{prefix}.body.4": (tower, None)}
        if isinstance(block, SEResidualBlock):
            squeeze = units(se_channels(channels), se_channels(new_channels))
            plan |= {f"{prefix}.squeeze.0": (squeeze, tower), f"{prefix}.squeeze.2": (tower, squeeze)}
    return plan


def _mlp_plan(net: PolicyValueNet, units: Callable[[], _Units]) -> dict[str, tuple[_Units | None, _Units | None]]:
    # Each hidden layer is its own set of units, read by the next layer (or both heads).
    plan: dict[str, tuple[_Units | None, _Units | None]] = {}
    previous = None
    for index, module in enumerate(net.trunk):
        if isinstance(module, nn.Linear):
            hidden = units()
            plan[f"trunk.{index}"] = (hidden, previous)
            previous = hidden
    if previous is not None:
        plan |= {"policy_head": (None, previous), "value_head.0": (None, previous)}
    return plan


def _widen_tensor(tensor: torch.Tensor, rows: _Units | None, columns: _Units | None) -> torch.Tensor:
    if tensor.dim() == 0:  # BatchNorm's num_batches_tracked
        return tensor.clone()
    if rows is not None:
        tensor = tensor.index_select(0, rows.source)
    if columns is not None and tensor.dim() > 1:  # a bias has no input dim
        share = columns.share.to(tensor.dtype).view(1, -1, *[1] * (tensor.dim() - 2))
        tensor = tensor.index_select(1, columns.source) * share
    return tensor.clone()


def _carry_state(key: str, value: object, source: _Source, shape: tuple[int, ...]) -> object:
    if not isinstance(value, torch.Tensor):
        return copy.deepcopy(value)
    if tuple(value.shape) != shape or value.dim() == 0:
        return value.clone()
    if key not in ("exp_avg", "momentum_buffer") and "sq" not in key:
        raise ValueError(f"cannot carry optimizer state {key!r}; known: exp_avg, momentum_buffer, *sq*")
    if source.columns is not None and value.dim() > 1:
        value = value.index_select(1, source.columns.source.to(value.device))
    if source.rows is not None:
        value = value.index_select(0, source.rows.source.to(value.device))
        share = source.rows.share.to(value.device, value.dtype).view(-1, *[1] * (value.dim() - 1))
        value = value * (share**2 if "sq" in key else share)
    return value.clone()

"""CPU inference speed of a policy-value network, one way of running it per row: the question
is which runtime self-play and evaluation should use for small board-game networks on a CPU.

Cases (each on the same weights, evaluation mode, positions/s = batch × forward passes/s):
- eager: `torch.inference_mode()` around the plain module (float32), the baseline;
- frozen: the TorchScript trace + freeze that `TorchEvaluator(frozen=True)` uses today;
- channels_last: eager with the module and input in channels-last memory format;
- bf16: eager under `torch.autocast("cpu", torch.bfloat16)` (only a speed-up where the CPU has
  native bf16, e.g. AVX-512 BF16 or AMX; recorded either way);
- compile: `torch.compile` (inductor; its compile time is reported, not timed);
- onnxruntime: the module exported to ONNX and run by ONNX Runtime (optional, `bench` extra).

Every case is checked against eager before it is timed (max |Δ logits| and |Δ value| in the
JSON; bf16 is expected to differ at about 1e-2).

    .venv/bin/python benchmarks/inference.py                     # Connect Four preset net, B = 1 and 256
    .venv/bin/python benchmarks/inference.py --blocks 5 --channels 40 --threads 2
    .venv/bin/python benchmarks/inference.py --quick
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass

import tyro
from _harness import (
    DEFAULT_OUT,
    QUICK_REPEATS,
    QUICK_SECONDS,
    Measurement,
    format_rate,
    format_ratio,
    publish,
    ratio,
    result_name,
    run_for,
    run_measurements,
    setup_process,
    table,
)

CASES = ("eager", "frozen", "channels_last", "bf16", "compile", "onnxruntime")


@dataclass(frozen=True)
class Options:
    game: str = "connect_four"
    kind: str = "resnet"
    blocks: int = 4
    channels: int = 32
    batch_sizes: tuple[int, ...] = (1, 256)
    cases: tuple[str, ...] = CASES
    threads: int = 1
    seconds: float = 2.0
    repeats: int = 5
    quick: bool = False
    out: str = DEFAULT_OUT


@dataclass(frozen=True)
class Case:
    runtime: str
    batch_size: int


def main(options: Options) -> None:
    setup_process(options.threads)
    import numpy as np
    import torch

    from boardzoo.agents.models import NetworkConfig, build_network, flops_per_evaluation
    from boardzoo.envs import make

    game = make(options.game)
    torch.manual_seed(0)
    network = build_network(
        NetworkConfig(kind=options.kind, blocks=options.blocks, channels=options.channels),
        game.observation_shape,
        game.num_actions,
    ).eval()
    rng = np.random.default_rng(0)
    inputs = {
        b: torch.from_numpy(rng.integers(0, 2, (b, *game.observation_shape)).astype(np.float32))
        for b in options.batch_sizes
    }
    checks: dict[str, dict[str, float]] = {}
    notes: dict[str, str] = {}

    def build(case: Case):
        forward = _runtime(case.runtime, network, inputs[case.batch_size], notes)
        with torch.inference_mode():
            reference = network(inputs[case.batch_size])
        logits, value = forward(inputs[case.batch_size])
        checks[f"{case.runtime}@{case.batch_size}"] = {
            "max_abs_logits": float((torch.as_tensor(logits).float() - reference[0]).abs().max()),
            "max_abs_value": float((torch.as_tensor(value).float().flatten() - reference[1]).abs().max()),
        }
        x = inputs[case.batch_size]

        def runner(seconds: float):
            def work() -> int:
                forward(x)
                return case.batch_size

            return run_for(seconds, work)

        return runner

    seconds, repeats = (QUICK_SECONDS, QUICK_REPEATS) if options.quick else (options.seconds, options.repeats)
    measurements = [
        Measurement(Case(r, b), lambda c=Case(r, b): build(c)) for b in options.batch_sizes for r in options.cases
    ]
    results = run_measurements(
        measurements, seconds=seconds, repeats=repeats, warmup_seconds=seconds / 2, name="inference"
    )
    eager = {r.case.batch_size: r.median for r in results if r.case.runtime == "eager"}
    rows = []
    for r in results:
        check = checks.get(f"{r.case.runtime}@{r.case.batch_size}", {})
        rows.append(
            (
                r.case.runtime,
                r.case.batch_size,
                format_rate(r.median, r.unavailable),
                format_ratio(ratio(r.median, eager.get(r.case.batch_size))),
                f"{check.get('max_abs_logits', float('nan')):.1e}",
            )
        )
    shape = f"{options.kind} {options.blocks}×{options.channels}"
    description = f"{game!r}, {shape}, {flops_per_evaluation(network):,} FLOPs per position"
    markdown = "\n".join(
        [
            f"{description}; positions/s, median of {repeats} runs of {seconds:g} s, "
            f"torch threads = {options.threads}.",
            "",
            table(("runtime", "batch", "positions/s", "× eager", "max |Δ logits|"), rows, left=1),
            "",
            *(f"- {name}: {text}" for name, text in sorted(notes.items())),
        ]
    )
    payload = {
        "options": asdict(options),
        "network": {"flops_per_evaluation": flops_per_evaluation(network)},
        "results": [r.record() for r in results],
        "checks": checks,
        "notes": notes,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    }
    name = f"inference_{options.game}_{options.kind}{options.blocks}x{options.channels}_t{options.threads}"
    publish(result_name(name, quick=options.quick), payload, markdown, out=options.out)


def _runtime(name: str, network, example, notes: dict[str, str]):
    # A callable obs[B, C, H, W] -> (logits[B, A], value[B]) for one runtime; ImportError if unavailable.
    import time

    import torch

    if name == "eager":

        def eager(x):
            with torch.inference_mode():
                return network(x)

        return eager
    if name == "frozen":
        with torch.inference_mode():
            frozen = torch.jit.freeze(torch.jit.trace(network, example, check_trace=False))
        return lambda x: frozen(x)
    if name == "channels_last":
        import copy

        moved = copy.deepcopy(network).to(memory_format=torch.channels_last)

        def channels_last(x):
            with torch.inference_mode():
                return moved(x.contiguous(memory_format=torch.channels_last))

        return channels_last
    if name == "bf16":

        def bf16(x):
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
                logits, value = network(x)
            return logits.float(), value.float()

        return bf16
    if name == "compile":
        compiled = torch.compile(network, dynamic=False)
        start = time.perf_counter()
        with torch.inference_mode():
            compiled(example)
        notes[f"compile@{example.shape[0]}"] = f"first call (compilation) {time.perf_counter() - start:.1f} s"

        def run_compiled(x):
            with torch.inference_mode():
                return compiled(x)

        return run_compiled
    if name == "onnxruntime":
        import io

        import onnxruntime  # ImportError: recorded as unavailable

        buffer = io.BytesIO()
        torch.onnx.export(
            network, (example,), buffer, input_names=["obs"], output_names=["logits", "value"], dynamo=False
        )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(buffer.getvalue(), options, providers=["CPUExecutionProvider"])
        return lambda x: session.run(None, {"obs": x.numpy()})
    raise ValueError(f"unknown runtime {name!r}; allowed: {', '.join(CASES)}")


if __name__ == "__main__":
    options = tyro.cli(Options)
    bad = [c for c in options.cases if c not in CASES]
    if bad:
        sys.exit(f"unknown case(s) {bad}; allowed: {', '.join(CASES)}")
    main(options)

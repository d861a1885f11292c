"""The shared machinery of the benchmark scripts: process set-up, timing, provenance, results.

A script calls `setup_process()` before it imports numpy, numba or torch (so this module
imports only the standard library), times its cases with `run_measurements` (warm-up, then
the median of repeats), judges them with `ratio` and `target`, and saves them with `publish`
as `<out>/<name>.json` and `.md`, stamped with versions, machine, process set-up and git
commit. Smoke (`--quick`) and partial runs get `_quick` / `_partial` names (ignored by git).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = "benchmarks/results"
QUICK_SECONDS = 0.2
QUICK_REPEATS = 1

# Distributions whose versions every result records (None when not installed).
DISTRIBUTIONS = ("boardzoo", "numpy", "numba", "torch", "stable_baselines3", "sb3_contrib", "pettingzoo")
DISTRIBUTIONS += ("gymnasium", "open_spiel", "pygame", "jax", "mctx", "pgx")
THREAD_VARIABLES = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")

# What `setup_process` did, recorded in every result's environment.
_PROCESS: dict[str, Any] = {}

# --- process set-up ------------------------------------------------------------------------


def setup_process(threads: int | None = 1) -> dict[str, Any]:
    """Prepare this process for timing; call it first, before numpy / numba / torch load.

    Sets the thread count of numba, OpenMP, MKL, OpenBLAS (and JAX when 1) in the environment,
    for the libraries loaded later and for subprocesses, and of torch if it is loaded already;
    `threads=None` leaves threading alone (trainers that set their own). With one thread the
    process is also pinned to one CPU (Linux): JAX's CPU runtime ignores the thread flags and
    ran the mctx peer on 1.3 (MLP) to 2.0 (ResNet) cores, against our one. Then applies
    boardzoo's glibc malloc tuning. Returns what was done, which `environment_info` records.
    """
    pinned = None
    if threads is not None:
        for variable in THREAD_VARIABLES:
            os.environ[variable] = str(threads)
        if threads == 1:
            os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
            if hasattr(os, "sched_setaffinity"):
                pinned = min(os.sched_getaffinity(0))
                os.sched_setaffinity(0, {pinned})
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(threads)
    _PROCESS.update(threads=threads, pinned_cpu=pinned, malloc_tuned=_tune_malloc())
    return dict(_PROCESS)


def _tune_malloc() -> bool:
    """boardzoo's glibc malloc tuning (keeps the kernels' per-step arrays on the heap)."""
    try:
        from boardzoo.envs import tune_glibc_malloc  # type: ignore[attr-defined]
    except ImportError:  # before it became public
        from boardzoo.envs._malloc import tune_glibc_malloc
    return bool(tune_glibc_malloc())


# --- timing --------------------------------------------------------------------------------


class Sample(NamedTuple):
    """One timed run: work done (steps, simulations), wall time, time in a tracked part (or 0)."""

    work: int
    seconds: float
    part_seconds: float = 0.0


# A runner works for at least `seconds` of wall time and returns what it did.
Runner = Callable[[float], Sample]
Case = TypeVar("Case")


def run_for(seconds: float, work: Callable[[], int]) -> Sample:
    """Call `work` (which returns the units it did) until `seconds` have passed; at least once."""
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        done += work()
        now = time.perf_counter()
        if now >= deadline:
            return Sample(done, now - start)


@dataclass(frozen=True)
class Measurement(Generic[Case]):
    """A case to time; `build` makes (and may warm up) its runner, or raises ImportError."""

    case: Case
    build: Callable[[], Runner]


@dataclass(frozen=True)
class Result(Generic[Case]):
    """A case's rate (work/s) and tracked-part share of each repeat, or why it is unavailable."""

    case: Case
    repeats: tuple[float, ...] = ()
    shares: tuple[float, ...] = ()
    unavailable: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.repeats) if self.repeats else None

    @property
    def share(self) -> float | None:
        return statistics.median(self.shares) if self.shares else None

    def record(self) -> dict[str, Any]:
        """The JSON record: the case's fields, the raw repeats, the median, why unavailable."""
        timing = {"repeats": list(self.repeats), "median": self.median, "unavailable": self.unavailable}
        return {**asdict(self.case), **timing}


def run_measurements(
    measurements: Sequence[Measurement[Case]],
    *,
    seconds: float,
    repeats: int,
    warmup_seconds: float = 0.0,
    progress: Any = None,
    name: str = "",
) -> list[Result[Case]]:
    """Time each case in turn: an untimed warm-up run of `warmup_seconds` (if > 0), then
    `repeats` timed runs of at least `seconds`. A case whose `build` raises ImportError is
    recorded as unavailable. Advances the tqdm bar `progress` (default: a new one, `name`)."""
    bar = progress if progress is not None else progress_bar(name, len(measurements))
    results = []
    for m in measurements:
        bar.set_postfix_str(str(m.case))
        try:
            runner = m.build()
        except ImportError as error:
            results.append(Result(m.case, unavailable=f"{type(error).__name__}: {error}"))
        else:
            if warmup_seconds > 0:
                runner(warmup_seconds)
            samples = [runner(seconds) for _ in range(repeats)]
            rates = tuple(s.work / s.seconds for s in samples)
            results.append(Result(m.case, rates, tuple(s.part_seconds / s.seconds for s in samples)))
        bar.update()
    if progress is None:
        bar.close()
    return results


def progress_bar(name: str, total: int) -> Any:
    """A tqdm bar counting measurements (a context manager)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=name, unit="measurement")


@dataclass(frozen=True)
class TimedConfig:
    """Options every timing benchmark has (its config dataclass extends this one)."""

    seconds: float = 1.0
    """Minimum wall time of one timed repeat, in seconds (a repeat finishes the round it is in)."""
    repeats: int = 3
    """Timed repeats per measurement; the median is reported."""
    quick: bool = False
    """Smoke run: 0.2 s and 1 repeat per measurement (and smaller settings), saved as *_quick."""
    out: str = DEFAULT_OUT
    """Output folder (relative paths are taken from the repository root)."""

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError(f"seconds must be positive, got {self.seconds}")
        if self.repeats < 1:
            raise ValueError(f"repeats must be at least 1, got {self.repeats}")

    @property
    def run_seconds(self) -> float:
        return QUICK_SECONDS if self.quick else self.seconds

    @property
    def run_repeats(self) -> int:
        return QUICK_REPEATS if self.quick else self.repeats


def check_choices(name: str, chosen: Iterable[str], allowed: Iterable[str]) -> None:
    """Raise ValueError naming the unknown choices and the allowed ones."""
    unknown = sorted(set(chosen) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {name} {unknown}; allowed: {sorted(allowed)}")


def check_positive(name: str, values: Sequence[int]) -> None:
    """Raise ValueError unless `values` is a non-empty sequence of positive ints."""
    if not values or min(values) < 1:
        raise ValueError(f"{name} must be positive ints, got {tuple(values)}")


def result_name(name: str, *, quick: bool, partial: bool = False) -> str:
    """The file name of a run: `name`, `name_partial`, `name_quick` or `name_partial_quick`."""
    return f"{name}{'_partial' if partial else ''}{'_quick' if quick else ''}"


# --- ratios, targets, formatting ----------------------------------------------------------


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is not positive."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def target(
    description: str,
    subject: str,
    value: float | None,
    threshold: float,
    *,
    kind: str = "ratio",
    at_most: bool = False,
    missing: str = "not measured",
) -> dict[str, Any]:
    """A target and its verdict: `met` is value >= threshold (<= with `at_most`), None when the
    value could not be measured (`note` then says why). `kind` is "ratio" or "share"."""
    met = None if value is None else (value <= threshold if at_most else value >= threshold)
    note = missing if value is None else ""
    return dict(target=description, subject=subject, kind=kind, threshold=threshold, value=value, met=met, note=note)


def verdict(t: dict[str, Any]) -> str:
    """The measured value and met / NOT met ("2.31x — met", "18% — NOT met"), or why not measured."""
    if t["met"] is None:
        return t["note"]
    value = format_ratio(t["value"]) if t["kind"] == "ratio" else format_share(t["value"])
    return f"{value} — {'met' if t['met'] else 'NOT met'}"


def target_lines(targets: Sequence[dict[str, Any]]) -> str:
    """One Markdown bullet per target: description, subject, verdict."""
    return "\n".join(f"- {t['target']}, {t['subject']}: {verdict(t)}" for t in targets) or "(none measured)"


def format_rate(value: float | None, unavailable: str | None = None) -> str:
    if value is None:
        return f"unavailable ({unavailable})" if unavailable else "n/a"
    return f"{value:,.0f}"


def format_ratio(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}x"


def format_share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, left: int = 1, align: str = "") -> str:
    """A Markdown table: the first `left` columns left-aligned, the rest right-aligned, unless
    `align` gives each column's alignment ("l" or "r", e.g. "llrr")."""
    align = align or "l" * left + "r" * (len(columns) - left)
    rule = "|".join("---:" if a == "r" else "---" for a in align)
    lines = [f"| {' | '.join(columns)} |", f"|{rule}|"]
    lines += [f"| {' | '.join(str(cell) for cell in row)} |" for row in rows]
    return "\n".join(lines)


# --- provenance ----------------------------------------------------------------------------


def package_versions(names: Sequence[str] = DISTRIBUTIONS) -> dict[str, str | None]:
    """Installed versions of Python and the given distributions (None if missing)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, else whatever `platform` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine_info() -> dict[str, Any]:
    """CPU model, logical CPU count, CPUs this process may use, and the OS."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return dict(cpu_model=cpu_model(), cpu_count=os.cpu_count(), usable_cpus=usable, platform=platform.platform())


def _git(*args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip()


def git_info() -> dict[str, Any]:
    """The checked-out commit (None outside a git checkout) and whether the tree has changes."""
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {"commit": _git("rev-parse", "HEAD"), "dirty": None if status is None else bool(status)}


def environment_info() -> dict[str, Any]:
    """Provenance for a result: versions, machine, process set-up, git commit, UTC timestamp."""
    process = dict(_PROCESS)
    if "torch" in sys.modules:
        process["torch_threads"] = sys.modules["torch"].get_num_threads()
    process.update(blas_kernels())
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return dict(timestamp=now, versions=package_versions(), machine=machine_info(), process=process, git=git_info())


BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
"""Environment variables that choose OpenBLAS's kernels (some hosts set them, for older
OpenBLAS builds that miscompute on their CPUs; a current build runs slower under them)."""


def blas_kernels() -> dict[str, Any]:
    """The BLAS libraries this process loaded and the kernels they run (threadpoolctl, where
    installed: the `bench` extra), and the BLAS_VARIABLES that are set. A matrix product's
    speed depends on the kernel: on the AMD EPYC benchmark host OpenBLAS detects its AVX-512
    kernels (SkylakeX) and the search benchmark's 2×128 MLP runs 1.7× as fast at 256 rows as
    with the AVX2 (Haswell) kernels the host's OPENBLAS_CORETYPE forces."""
    info: dict[str, Any] = {name: os.environ[name] for name in BLAS_VARIABLES if name in os.environ}
    try:
        import threadpoolctl
    except ImportError:
        return info
    info["blas"] = [
        f"{library.get('filepath', '?').rsplit('/', 1)[-1]}: {library.get('internal_api')} "
        f"{library.get('version')} {library.get('architecture')}, {library.get('num_threads')} threads"
        for library in threadpoolctl.threadpool_info()
        if library.get("user_api") == "blas"
    ]
    return info


def environment_markdown(info: dict[str, Any]) -> str:
    """A short Markdown section describing `environment_info()` output."""
    versions = ", ".join(f"{name} {version or 'not installed'}" for name, version in info["versions"].items())
    machine, git = info["machine"], info["git"]
    commit = (git["commit"] or "unknown") + (" (with uncommitted changes)" if git["dirty"] else "")
    lines = [
        "## Environment",
        "",
        f"- timestamp: {info['timestamp']}",
        f"- CPU: {machine['cpu_model']} ({machine['cpu_count']} logical CPUs, "
        f"{machine['usable_cpus']} usable); {machine['platform']}",
        f"- versions: {versions}",
        f"- git commit: {commit}",
    ]
    if info.get("process"):
        lines.append("- process: " + ", ".join(f"{key} {value}" for key, value in info["process"].items()))
    return "\n".join(lines)


# --- result files -------------------------------------------------------------------------


def results_dir(out: str | os.PathLike[str] = DEFAULT_OUT) -> Path:
    """The output folder (created); relative paths are taken from the repository root."""
    path = Path(out)
    if not path.is_absolute():
        path = REPO_ROOT / path
    path.mkdir(parents=True, exist_ok=True)
    return path


def publish(
    name: str,
    payload: dict[str, Any],
    markdown: str,
    *,
    out: str | os.PathLike[str] = DEFAULT_OUT,
    environment: dict[str, Any] | None = None,
    echo: bool = True,
) -> tuple[Path, Path]:
    """Write `<out>/<name>.json` and `<out>/<name>.md`, both stamped with the environment, and
    (with `echo`) print the report and where it went.

    Args:
      name: the result name, used for the file names.
      payload: JSON-serialisable results; stored next to "benchmark" and "environment".
      markdown: the report body; a title and the environment section are added.
      out: the output folder (relative to the repository root unless absolute).
      environment: `environment_info()` output to record; default: collected now.
      echo: print `markdown` and the paths.

    Returns:
      The JSON and Markdown paths.
    """
    info = environment if environment is not None else environment_info()
    folder = results_dir(out)
    json_path, md_path = folder / f"{name}.json", folder / f"{name}.md"
    document = {"benchmark": name, "environment": info, **payload}
    report = f"# Benchmark: {name}\n\n{markdown.rstrip()}\n\n{environment_markdown(info)}\n"
    for path, text in ((json_path, json.dumps(document, indent=2) + "\n"), (md_path, report)):
        tmp = path.with_name(path.name + ".tmp")  # atomic: a reader sees the old file or the new
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    if echo:
        print(markdown)
        print(f"\nwrote {json_path} and {md_path}", flush=True)
    return json_path, md_path

"""The run skeleton under every trainer: settings, budget, clock, stop signals, progress bar,
thread set-up and callbacks. Each algorithm (expert iteration, PPO, BC) writes only its loop;
the loop calls `Run.tick` after each unit of work and stops when it returns False.

    with Run(config.budget(), description="PPO", progress_bar=True, callbacks=[snapshot]) as run:
        while run.tick(step, network):
            ...one unit of work...

A budget is steps (the trainer's own unit: learner steps, environment steps, optimizer
steps), minutes, or both (the run stops at whichever comes first). With a step budget the
schedules (learning rate, value-target mix) follow the steps alone, so a step-budget run is
reproducible from its seed whatever the clock says.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import Any, ClassVar

import torch
from tqdm import tqdm

from boardzoo.agents.validation import check_bools, check_int, check_ints, check_number

RUN_FIELDS = ("out", "minutes", "steps", "threads", "device", "progress_bar")
"""settings that may change when a run is resumed (they do not shape what is learned)"""


@dataclass(frozen=True)
class RunConfig:
    """Settings every trainer has; each trainer's config extends it."""

    out: str = "runs/run"
    """run folder (checkpoints, logs); an existing run there is resumed"""
    minutes: float | None = None
    """wall-clock budget (None = steps only)"""
    steps: int | None = None
    """budget in the trainer's steps (None = minutes only); the run stops at whichever comes first"""
    seed: int = 0
    """seeds every random choice of the run"""
    device: str = "cpu"
    """torch device ("cpu", "cuda", "cuda:1", ...)"""
    threads: int = 0
    """torch intra-op threads (0 = every core)"""
    progress_bar: bool = True
    """show a progress bar with ETA"""

    def __post_init__(self) -> None:
        Budget(self.steps, self.minutes)  # validates the budget
        check_ints(self, ("threads", "seed"), minimum=0)
        check_bools(self, ("progress_bar",))

    def budget(self) -> Budget:
        return Budget(self.steps, self.minutes)


@dataclass(frozen=True)
class Budget:
    """Steps, minutes, or both."""

    steps: int | None = None
    minutes: float | None = None

    def __post_init__(self) -> None:
        if self.steps is None and self.minutes is None:
            raise ValueError("give a budget: steps, minutes, or both")
        check_int("steps", self.steps, optional=True)
        check_number("minutes", self.minutes, low=0, low_open=True, optional=True)

    def fraction(self, steps: int, seconds: float) -> float:
        """Share of the budget used, in [0, 1]: the larger of the step and time shares."""
        shares = [steps / self.steps] if self.steps is not None else []
        if self.minutes is not None:
            shares.append(seconds / (60 * self.minutes))
        return min(1.0, max(shares))

    def schedule_fraction(self, steps: int, seconds: float) -> float:
        """The position in training that schedules follow: steps / budget where there is a step
        budget (never the clock), else the time share."""
        if self.steps is not None:
            return min(1.0, steps / self.steps)
        return self.fraction(steps, seconds)


@dataclass(frozen=True)
class Progress:
    """What a callback is told after each unit of work."""

    fraction: float
    """share of the budget used"""
    step: int
    """the trainer's step count"""
    seconds: float
    """training seconds so far (resumed runs included)"""
    network: torch.nn.Module
    """the network being trained (eval mode)"""


Callback = Callable[[Progress], None]
"""called after every unit of work, and once more when the run ends"""


def set_threads(threads: int) -> int:
    """Use `threads` torch intra-op threads (0 = every core); returns the count in use."""
    check_int("threads", threads, minimum=0)
    torch.set_num_threads(threads or os.cpu_count() or 1)
    return torch.get_num_threads()


class Stopped(KeyboardInterrupt):
    """A stop was requested during one of the runs of a command made of several (a comparison,
    a study, run in this process): that run checkpointed, nothing after it started, and the same
    command run again resumes. A KeyboardInterrupt, so whatever catches Ctrl-C catches it."""


_PYTHON_DEFAULTS = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}


class StopSignal:
    """While active, SIGINT/SIGTERM ask the run to stop at its next tick (a second Ctrl-C
    raises KeyboardInterrupt at once). Outside the main thread it installs nothing.

    Signals nest: a command that chains runs holds its own around each of them, and a stop heard
    by the innermost (a run's) is requested of every active one, so the command learns of it
    after the run returns (`raise_if_requested`) instead of starting its next stage."""

    _active: ClassVar[list[StopSignal]] = []
    """the active signals, outermost first"""

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        for active in (*StopSignal._active, self):
            active.requested = True
        tqdm.write("stopping after this step (checkpointing); press Ctrl-C again to abort", file=sys.stderr)

    def raise_if_requested(self, what: str, *, resumable: bool = True) -> None:
        """Raise `Stopped` (naming `what` was cut short) if a stop was requested while active;
        `resumable`: the message says the same command resumes (False: a run in a temporary
        folder, say, which nothing resumes)."""
        if self.requested:
            resume = " (checkpoint saved); run the same command again to resume" if resumable else ""
            raise Stopped(f"stopped during {what}{resume}")

    def __enter__(self) -> StopSignal:
        # A stop heard by an enclosing signal before this one was installed (a run still setting
        # up) is this one's too: the run checkpoints at its first tick instead of missing it.
        self.requested = self.requested or any(active.requested for active in StopSignal._active)
        try:
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        except ValueError:  # not the main thread
            pass
        StopSignal._active.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        # Leave the stack first: a Ctrl-C while the handlers are restored must not leave a
        # requested signal behind for every later run of the process to inherit.
        if self in StopSignal._active:
            StopSignal._active.remove(self)
        for signum, handler in self._previous.items():
            # None: the handler before was not installed from Python; Python's own default then
            # (KeyboardInterrupt on SIGINT, termination on SIGTERM), never this signal's.
            signal.signal(signum, _PYTHON_DEFAULTS[signum] if handler is None else handler)
        self._previous.clear()


class Run:
    """One training run's budget, clock, stop signal, progress bar and callbacks.

    Args:
      budget: when to stop.
      description: the progress bar's label.
      progress_bar: show it.
      callbacks: told the `Progress` after every tick.
      seconds: training seconds already spent (a resumed run's clock).
      step: the trainer's step count at the start (a resumed run's).
    """

    def __init__(
        self,
        budget: Budget,
        *,
        description: str,
        progress_bar: bool = True,
        callbacks: Sequence[Callback] = (),
        seconds: float = 0.0,
        step: int = 0,
    ) -> None:
        self.budget = budget
        self.callbacks = tuple(callbacks)
        self.stop = StopSignal()
        self.step = step
        self._seconds_before = seconds
        self._started: float | None = None
        by_steps = budget.minutes is None
        self._bar = tqdm(
            total=budget.steps if by_steps else int(60 * budget.minutes),
            unit="step" if by_steps else "s",
            initial=step if by_steps else int(seconds),
            disable=not progress_bar,
            desc=description if by_steps else f"{description} (seconds of budget)",
        )

    @property
    def seconds(self) -> float:
        """Training seconds so far, resumed runs included."""
        running = time.perf_counter() - self._started if self._started is not None else 0.0
        return self._seconds_before + running

    def fraction(self) -> float:
        return self.budget.fraction(self.step, self.seconds)

    def schedule_fraction(self) -> float:
        return self.budget.schedule_fraction(self.step, self.seconds)

    def exhausted(self) -> bool:
        return self.fraction() >= 1.0

    def should_stop(self) -> bool:
        return self.stop.requested or self.exhausted()

    def tick(self, step: int, network: torch.nn.Module, **postfix: Any) -> bool:
        """Record progress after a unit of work; False once the run should stop."""
        self.step = step
        self._update_bar(postfix)
        self.notify(network)
        return not self.should_stop()

    def notify(self, network: torch.nn.Module) -> None:
        """Tell every callback where the run is."""
        if self.callbacks:
            progress = Progress(self.fraction(), self.step, self.seconds, network)
            for callback in self.callbacks:
                callback(progress)

    def _update_bar(self, postfix: dict[str, Any]) -> None:
        bar = self._bar
        if bar.disable:
            return
        target = self.step if bar.unit == "step" else int(self.seconds)
        if target > bar.n:
            bar.update(min(target, bar.total) - bar.n)
            bar.set_postfix(step=self.step, **postfix, refresh=False)

    def __enter__(self) -> Run:
        self._started = time.perf_counter()
        self.stop.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._seconds_before = self.seconds
        self._started = None
        self.stop.__exit__()
        self._bar.close()

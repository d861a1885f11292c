"""Ctrl-C / SIGTERM during a command made of several runs: every active stop signal hears it,
so the command ends after the run that was going, and a stop heard while a run was still
setting up is not lost."""

from __future__ import annotations

import os
import signal
import time

import pytest

from boardzoo.agents.training.run import Stopped, StopSignal


def _ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.01)  # the handler runs in the main thread between bytecodes


def test_a_stop_heard_by_a_run_is_requested_of_the_command_around_it():
    before = signal.getsignal(signal.SIGINT)
    with StopSignal() as command:
        with StopSignal() as run:
            _ctrl_c()
            assert run.requested
        assert signal.getsignal(signal.SIGINT) == command._handle  # the command's handler is back
    assert command.requested and signal.getsignal(signal.SIGINT) == before
    with pytest.raises(Stopped, match="stopped during ppo training .*run the same command again"):
        command.raise_if_requested("ppo training")


def test_a_stop_heard_before_a_run_installs_its_own_signal_reaches_the_run():
    with StopSignal() as command:
        _ctrl_c()  # while the run is still being built
        with StopSignal() as run:
            assert run.requested
    StopSignal().raise_if_requested("nothing")  # a signal that heard nothing raises nothing
    assert command.requested


def test_a_second_ctrl_c_aborts_at_once():
    with pytest.raises(KeyboardInterrupt) as raised, StopSignal():
        _ctrl_c()
        _ctrl_c()
    assert not isinstance(raised.value, Stopped)

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
    assert command.requested
    with StopSignal() as later:  # the stop ended with the command: a later run starts afresh
        assert not later.requested
    later.raise_if_requested("nothing")  # a signal that heard nothing raises nothing


def test_a_second_ctrl_c_aborts_at_once():
    with pytest.raises(KeyboardInterrupt) as raised, StopSignal() as stop:
        _ctrl_c()
        assert stop.requested  # the first only asked the run to stop
        _ctrl_c()
    assert not isinstance(raised.value, Stopped)


def test_python_default_handler_is_restored_where_the_one_before_was_not_from_python(monkeypatch):
    # signal.signal returns None for a handler installed outside Python; leaving the run's own
    # handler in place then would swallow every later Ctrl-C of the process as a stop request.
    real_signal = signal.signal
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    real_signal(signal.SIGINT, signal.SIG_IGN)  # not what it will be restored to
    monkeypatch.setattr(signal, "signal", lambda signum, handler: (real_signal(signum, handler), None)[1])
    try:
        with StopSignal():
            pass
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    finally:
        monkeypatch.undo()
        for signum, handler in before.items():
            real_signal(signum, handler)

"""Signals: a block during which Ctrl-C and SIGTERM wait (a report's files are renamed together or not at all), and
the run in progress in this process (what a worker told to stop must clean up)."""

from __future__ import annotations

import contextlib
import signal
import threading
from pathlib import Path

__all__ = ["STOP_SIGNALS", "signals_held", "CURRENT"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Current:
    """The temporary folder of the run in progress in this process, if any."""

    tmp: Path | None = None


CURRENT = _Current()


@contextlib.contextmanager
def signals_held():
    """Hold Ctrl-C (SIGINT) and SIGTERM for the duration of the block; one that arrived is acted on right after."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread receives signals
        yield
        return
    received: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: received.append(signum)) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if received:
            signal.raise_signal(received[0])

"""Run a few processes together and stop them together: the demo (`run_demo`) and production
(`serve_prod`) both start a server beside the outbox sender and the scheduler."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Sequence


def run_together(commands: Sequence[tuple[str, list[str]]], env: dict[str, str], *, on_started=None) -> int:
    """Start each (name, argv), wait until Ctrl-C / SIGTERM or until one exits, then stop all.

    Returns the exit code of the first process that stopped on its own (0 on a requested stop).
    """
    processes = [(name, subprocess.Popen(argv, env=env)) for name, argv in commands]
    if on_started:
        on_started()
    stopping = False
    status = 0

    def stop(*_):
        nonlocal stopping
        stopping = True

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            for name, proc in processes:
                if proc.poll() is not None:
                    sys.stderr.write(f"{name} exited with {proc.returncode}; stopping the others\n")
                    status = proc.returncode or 1
                    stopping = True
                    break
            time.sleep(0.3)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        for _, proc in processes:
            if proc.poll() is None:
                proc.terminate()
        for _, proc in processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    return status

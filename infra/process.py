"""Processes that end with their parent (Linux ``PR_SET_PDEATHSIG``), so nothing outlives a
killed server: the embedded redis-server, and uvicorn's workers under ``serve --workers N``.

The kernel sends the signal when the *thread* that started the process ends; start such
processes from a thread that lives as long as the parent (the main thread).
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal

_PR_SET_PDEATHSIG = 1


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def end_with_parent(parent: int, sig: int = signal.SIGTERM) -> bool:
    """Have ``sig`` sent to this process when ``parent`` ends; False if it already has."""
    _libc().prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
    return os.getppid() == parent  # checked after prctl: the parent may have died just before


def child_ending_with_this_process():
    """A ``preexec_fn`` for subprocess: the child gets SIGTERM when this process ends."""
    parent = os.getpid()
    _libc()  # loaded here, before the fork: the child only makes the call

    def preexec() -> None:
        if not end_with_parent(parent):
            os._exit(1)

    return preexec

"""A circuit breaker and a concurrency cap per app, so one failing or slow app cannot slow others.

The state is per process, on purpose. A breaker acts on what this worker sees (its own
timeouts and failures) and must cost nothing on the hot path; keeping it in Redis would add
a round trip to every call and make workers race on one counter. The price is that each
worker learns separately: an app's circuit opens after ``failures`` bad calls per worker.

What counts as a failure is decided by the bridge: only the platform's own trouble (a
timeout, a database or Redis error, a bug: ``INTERNAL``). A caller's bad input and every
other typed refusal (``INVALID_INPUT``, ``QUOTA_EXCEEDED``, a declined payment) count as
neither failure nor success, so no customer can open an app's circuit for everyone else,
nor keep it from opening (or close it) by sending junk between real failures.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


@dataclass
class _AppCircuit:
    state: str = CLOSED
    failures: int = 0
    opened_at: float = 0.0
    probing: bool = False
    running: int = 0


class Admission:
    """What ``admit`` decided: go ahead, or the seconds to wait before the circuit lets calls in."""

    __slots__ = ("allowed", "retry_after", "busy", "probe")

    def __init__(self, allowed: bool, retry_after: float = 0.0, busy: bool = False, probe: bool = False) -> None:
        self.allowed, self.retry_after, self.busy, self.probe = allowed, retry_after, busy, probe


class CircuitBreakers:
    def __init__(self, *, failures: int, cooldown_seconds: float, concurrency: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._threshold = failures
        self._cooldown = cooldown_seconds
        self._concurrency = concurrency
        self._clock = clock
        self._apps: dict[str, _AppCircuit] = {}

    def state(self, app_id: str) -> str:
        circuit = self._apps.get(app_id)
        return circuit.state if circuit else CLOSED

    def admit(self, app_id: str) -> Admission:
        """Let a call in (and count it as running) or refuse it. Pair with ``done``."""
        circuit = self._apps.get(app_id)
        if circuit is None:
            circuit = self._apps[app_id] = _AppCircuit()
        probe = False
        if circuit.state == OPEN:
            waited = self._clock() - circuit.opened_at
            if waited < self._cooldown:
                return Admission(False, self._cooldown - waited)
            circuit.state, circuit.probing = HALF_OPEN, False
        if circuit.state == HALF_OPEN:
            if circuit.probing:  # one probe at a time; the rest wait for its outcome
                return Admission(False, self._cooldown)
            circuit.probing = probe = True
        if circuit.running >= self._concurrency:
            if probe:
                circuit.probing = False
            return Admission(False, busy=True)
        circuit.running += 1
        return Admission(True, probe=probe)

    def done(self, app_id: str, admission: Admission, *, failed: bool, telling: bool = True) -> None:
        """``telling`` False: the call said nothing of the app's health (the caller's bad input,
        another typed refusal, the caller gone); the counts stay, a probe's turn passes on."""
        circuit = self._apps[app_id]
        circuit.running -= 1
        if admission.probe:
            circuit.probing = False
        if not telling:
            return
        if not failed:
            # A slow success that finishes after the circuit opened does not close it.
            if circuit.state == CLOSED or admission.probe:
                circuit.state, circuit.failures = CLOSED, 0
            return
        circuit.failures += 1
        if admission.probe or (circuit.state == CLOSED and circuit.failures >= self._threshold):
            circuit.state, circuit.opened_at = OPEN, self._clock()

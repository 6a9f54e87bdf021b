"""virtual layer: registration rejects: which attempts the test network rejects and with which EMM cause, and
when the rejected module tries again (TS 24.301 §5.5.1.2.5-6 as harness.emm_causes holds it; indicators.md
§1.5 [R18]).

The network (harness.virtual.network_policy; URL `reject=15&reject.attempts=2`, control op "network" with the
same names): with `reject=<cause>` it rejects every attempt, or, with `reject.attempts`, only that many,
after accepting the first `reject.after` ones (a rig can let the bring-up register and reject what follows);
the count starts when the reject is set (at boot, or when a control op names a reject option). With #22 it
sends the back-off value `reject.t3346_s` (T3346).

The module (the UE side): the attempt is answered attach_s after it started; a rejected module reports
<stat> 3 with the cause (+CEREG/+C5GREG n=3 and n=5, harness.virtual.registration) and tries again by itself
(<stat> 2, then the network's answer attach_s later) after its back-off: T3411, T3402 after the 5th failed
attempt, T3346 after #22, each run `timer_scale` times its length (harness.virtual.options) so a test sees
them in seconds. After #3/#6/#7/#8 (SIM invalid) and #11-#13/#15 (forbidden PLMN or area; the virtual network
has one tracking area) it stays rejected until a CFUN or SIM cycle, or a reset. A module told to misbehave
(`backoff=flat|storm`, harness.virtual.retry_policy) waits otherwise.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from harness.emm_causes import MAX_ATTEMPTS, reject_cause
from harness.virtual.network_policy import NetworkPolicy
from harness.virtual.retry_policy import RetryPolicy


@dataclass(frozen=True, slots=True, kw_only=True)
class Reject:
    """The network's answer to an attempt it refuses, and when the module tries again (seconds as run, None:
    not before a CFUN or SIM cycle)."""

    cause: int
    retry_after_s: float | None


class RejectingNetwork:
    """Answers each registration attempt of one module by its policy, and keeps the module's attempt
    counter (the 24.301 one, which picks T3411 or T3402)."""

    def __init__(self, *, timer_scale: float, retry: RetryPolicy | None = None, seed: int = 0) -> None:
        self._timer_scale = timer_scale
        self._retry = retry or RetryPolicy()
        self._draw = random.Random(seed)  # the retry jitter, the same on every run of one URL
        self._attempts = 0  # seen by the network since its reject policy was set
        self._failed_attempts = 0  # the module's counter

    def restart_count(self) -> None:
        """A new reject policy: its attempts count from now."""
        self._attempts = 0

    def forget_failures(self) -> None:
        """The module's counter back to 0: registered, switched off, or a new SIM (24.301 §5.5.1.2.7,
        recalled)."""
        self._failed_attempts = 0

    def answer(self, policy: NetworkPolicy) -> Reject | None:
        """The answer to one attempt: None to accept it."""
        self._attempts += 1
        rejected = self._attempts - policy.reject_after
        cause = policy.reject_cause
        if cause is None or rejected <= 0:
            return None
        if policy.reject_attempts is not None and rejected > policy.reject_attempts:
            return None
        self._failed_attempts += 1
        wait_s = self._retry.wait_s(
            reject_cause(cause),
            failed_attempts=self._failed_attempts,
            t3346_s=policy.reject_t3346_s,
            draw=self._draw,
        )
        if self._failed_attempts >= MAX_ATTEMPTS:
            self._failed_attempts = 0  # T3402 runs, and the counter starts again when it expires
        return Reject(cause=cause, retry_after_s=None if wait_s is None else wait_s * self._timer_scale)

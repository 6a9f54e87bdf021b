"""virtual layer: how a virtual module (the UE and its application) retries registration after a reject, so a
test can give the network-friendliness checks (harness.results.friendliness) a module that misbehaves.

URL options (UE side; the network's reject is harness.virtual.network_policy's `reject=`):
  backoff=3gpp    (default) the 24.301 back-off harness.emm_causes gives: T3411, T3402 after the 5th failure,
                  T3346 after #22, no retry after a permanent reject (indicators.md §1.5)
  backoff=flat    T3411 after every reject, never T3402: the spacing never grows (TS.34 "retries spaced out,
                  increasing", indicators.md §3.1), and a permanent reject is still obeyed
  backoff=storm   a retry storm: `backoff.storm_s` (default 1 s) after every reject, whatever the cause,
                  permanent ones too (the failure TS.34 and 24.301 exist to prevent)
  backoff.jitter  a random extra wait of U(0, jitter) times the wait (default 0: 24.301 adds none; TS.34 asks
                  applications to randomise), drawn from the module's `seed`
Every wait runs `timer_scale` times its length, as the 24.301 timers do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from harness.emm_causes import T3411_S, RejectCause, backoff_s
from harness.virtual.option_reader import OptionReader, number, one_of

DEFAULT_STORM_S = 1.0  # judgement: an application that retries every second, a storm by any operator's count


class Backoff(StrEnum):
    THREE_GPP = "3gpp"
    FLAT = "flat"
    STORM = "storm"


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    backoff: Backoff = Backoff.THREE_GPP
    storm_s: float = DEFAULT_STORM_S
    jitter: float = 0.0

    def wait_s(
        self, cause: RejectCause, *, failed_attempts: int, t3346_s: float | None, draw: random.Random
    ) -> float | None:
        """Seconds (unscaled) before the module tries again after this reject; None: not by itself."""
        compliant_s = backoff_s(cause, failed_attempts=failed_attempts, t3346_s=t3346_s)
        match self.backoff:
            case Backoff.STORM:
                wait_s: float | None = self.storm_s
            case Backoff.FLAT:
                wait_s = None if compliant_s is None else T3411_S
            case _:
                wait_s = compliant_s
        if wait_s is None or self.jitter == 0:
            return wait_s
        return wait_s * (1.0 + draw.uniform(0.0, self.jitter))


def read_retry_policy(reader: OptionReader) -> RetryPolicy:
    return RetryPolicy(
        backoff=Backoff(reader.get("backoff", one_of([b.value for b in Backoff]), Backoff.THREE_GPP.value)),
        storm_s=reader.get("backoff.storm_s", number(0.0, 3_600.0), DEFAULT_STORM_S),
        jitter=reader.get("backoff.jitter", number(0.0, 10.0), 0.0),
    )

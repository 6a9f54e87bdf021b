"""at layer: unsolicited result codes (URCs): which lines are URCs, who is told, and the backlog that
wait_for_urc takes from.

The rule that tells a URC from a response line while a command is pending (session.py applies it):
a line is a URC when it starts with a known URC prefix and is not the pending command's own response prefix
(`AT+CEREG?` -> `+CEREG`). With no command pending, every line is a URC.

Limits of this rule, known and accepted until responses are parsed by shape (issue 3):
- A URC with the pending command's own prefix is taken as a response line (a `+CEREG: 2` URC arriving
  during `AT+CEREG=5` lands in that response's lines).
- A URC with a prefix nobody registered, arriving mid-response, is taken as a response line.
- Modules are not supposed to put URCs between an information response and its final result code (BC95
  manual [S12]), but some firmware does; this rule handles that case, it does not rely on it.
Sources of the default prefixes: TS 27.007 (+CREG §7.2, +CGREG §10.1.20, +CEREG §10.1.22, +CSCON §10.1.30,
+CGEV §10.1.19; +C5GREG, +CEDRXP, +CTZV/+CTZE) and the vendor sets in
../shared/reference/cellular-iot.md §1 and §3 (Quectel [S5][S12][S13], OneMO [S11], Nordic SLM [S9]).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence

from harness.at.exchange import Urc
from harness.at.framing import has_prefix

DEFAULT_URC_PREFIXES: frozenset[str] = frozenset(
    {
        "RDY",
        "+CEREG",
        "+CGREG",
        "+CREG",
        "+C5GREG",
        "+CSCON",
        "+CEDRXP",
        "+CGEV",
        "+CTZV",
        "+CTZE",
        "+QIURC",
        "+QIOPEN",
        "SEND OK",
        "SEND FAIL",
        "+QNBIOTEVENT",
        "+QPING",
        "+QIND",
        "+IP",
        "+NSONMI",
        "+NPING",
        "+NPINGERR",
        "+MIPURC",
        "+MIPOPEN",
        "+MIPCLOSE",
        "+MPING",
        "#XPING",
    }
)

UrcCallback = Callable[[Urc], None]


class UrcRouter:
    """Known prefixes, subscribers and a bounded backlog of URCs not yet taken by wait_for_urc."""

    def __init__(self, *, backlog_size: int) -> None:
        self._changed = threading.Condition()
        self._prefixes: set[str] = set(DEFAULT_URC_PREFIXES)
        self._subscribers: dict[str, list[UrcCallback]] = {}
        self._backlog: deque[Urc] = deque(maxlen=backlog_size)

    def add_prefix(self, prefix: str) -> None:
        if not prefix:
            raise ValueError("a URC prefix must not be empty")
        with self._changed:
            self._prefixes.add(prefix)

    def is_urc(self, line: str, *, response_prefix: str | None) -> bool:
        """Whether `line`, read while a command with `response_prefix` is pending, is a URC."""
        if response_prefix is not None and has_prefix(line, response_prefix):
            return False
        with self._changed:
            known = [*self._prefixes, *self._subscribers]
        return any(has_prefix(line, prefix) for prefix in known)

    def subscribe(self, prefix: str, fn: UrcCallback) -> Callable[[], None]:
        """Call fn(urc) for every URC with that prefix; returns the function that unsubscribes."""
        if not prefix:
            raise ValueError("a URC prefix must not be empty")
        with self._changed:
            self._subscribers.setdefault(prefix, []).append(fn)

        def unsubscribe() -> None:
            with self._changed:
                callbacks = self._subscribers.get(prefix, [])
                if fn in callbacks:
                    callbacks.remove(fn)
                if not callbacks:
                    self._subscribers.pop(prefix, None)

        return unsubscribe

    def publish(self, urcs: Sequence[Urc], *, on_error: Callable[[Exception], None]) -> None:
        """Keep the URCs for waiters and hand them to subscribers (in the caller's thread, the reader).
        A subscriber's exception goes to on_error at once; every subscriber still gets every URC."""
        if not urcs:
            return
        with self._changed:
            self._backlog.extend(urcs)
            self._changed.notify_all()
            subscribed = [(p, list(fns)) for p, fns in self._subscribers.items()]
        for urc in urcs:
            for prefix, callbacks in subscribed:
                if has_prefix(urc.line, prefix):
                    _call_each(callbacks, urc, on_error)

    def wait_for(
        self,
        prefix: str,
        *,
        match: Callable[[Urc], bool] | None,
        since_s: float,
        deadline_s: float,
        check: Callable[[], None],
    ) -> Urc | None:
        """Take the first URC with that prefix (and match) read at or after since_s; None once the
        monotonic deadline passes. `check` runs on every wake-up and raises when waiting is pointless."""
        with self._changed:
            while True:
                found = self._take(prefix, match, since_s)
                if found is not None:
                    return found
                check()
                left_s = deadline_s - time.monotonic()
                if left_s <= 0:
                    return None
                self._changed.wait(left_s)

    def wake(self) -> None:
        """Wake every waiter so that its `check` runs (the port was lost, a worker failed)."""
        with self._changed:
            self._changed.notify_all()

    def _take(self, prefix: str, match: Callable[[Urc], bool] | None, since_s: float) -> Urc | None:
        for urc in self._backlog:
            if urc.t_s >= since_s and has_prefix(urc.line, prefix) and (match is None or match(urc)):
                self._backlog.remove(urc)
                return urc
        return None


def _call_each(callbacks: Iterable[UrcCallback], urc: Urc, on_error: Callable[[Exception], None]) -> None:
    for fn in callbacks:
        try:
            fn(urc)
        except Exception as exc:  # handed to the session, which re-raises it in the caller
            on_error(exc)

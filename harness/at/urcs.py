"""at layer: unsolicited result codes (URCs): which lines are URCs, who is told, and the backlog that
wait_for_urc takes from.

The rule that tells a URC from a response line while a command is pending (routing.py applies it):
- a line that starts with no known URC prefix (DEFAULT_URC_PREFIXES, add_prefix, subscribe) is a response
  line; one that starts with a known URC prefix other than the pending command's own (`AT+CEREG?` ->
  `+CEREG`) is a URC;
- a line with the command's own prefix that is also a URC prefix (`+CEREG: 2` while `AT+CEREG?` is pending,
  `+QIOPEN: 0,0` before the OK of `AT+QIOPEN=...`) goes by its shape where harness.at.responses can tell:
  a line that parses only as a URC (solicited=False) is a URC, one that parses only as an answer
  (solicited=True) is a response line. Where the shape cannot tell (no parser, or a line that reads both
  ways, as `+CSCON: 1,0` does), the command's form decides: a read or test command (`AT+X?`, `AT+X=?`)
  is answered by such lines, a set or execute command is not (its own-prefix lines are result URCs, which
  vendors send after OK and some firmware before it: Quectel +QIOPEN/+QPING [S13], OneMO +MIPOPEN [S11],
  BC95 +NPING [S12]).
With no command pending, every line is a URC.

Limits of this rule, known and accepted:
- A URC whose prefix nobody registered, arriving mid-response, is taken as a response line.
- An own-prefix line that reads both ways, during a read command, is taken as the answer (`+CSCON: 1,0`
  during `AT+CSCON?`); during a set command it is taken as a URC even if the module meant it as an answer.
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
from harness.at.responses import parse
from harness.errors import ParseError

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

    def is_urc(self, line: str, *, response_prefix: str | None, is_query: bool = True) -> bool:
        """Whether `line`, read while a command with `response_prefix` is pending, is a URC; `is_query`
        when that command is a read or test command (the rule and its limits: the module docstring)."""
        with self._changed:
            known = [*self._prefixes, *self._subscribers]
        if not any(has_prefix(line, prefix) for prefix in known):
            return False
        if response_prefix is None or not has_prefix(line, response_prefix):
            return True
        is_urc_shaped = urc_shape(line)
        return (not is_query) if is_urc_shaped is None else is_urc_shaped

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


def urc_shape(line: str) -> bool | None:
    """True when harness.at.responses reads the line only as a URC, False when only as an answer, None
    when it cannot tell (no parser for the prefix, or the line reads both ways or neither)."""
    is_answer, is_urc = _reads(line, solicited=True), _reads(line, solicited=False)
    return None if is_answer == is_urc else is_urc


def _reads(line: str, *, solicited: bool) -> bool:
    try:
        return parse(line, solicited=solicited) is not None
    except ParseError:
        return False


def _call_each(callbacks: Iterable[UrcCallback], urc: Urc, on_error: Callable[[Exception], None]) -> None:
    for fn in callbacks:
        try:
            fn(urc)
        except Exception as exc:  # handed to the session, which re-raises it in the caller
            on_error(exc)

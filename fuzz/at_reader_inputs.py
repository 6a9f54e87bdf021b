"""Hypothesis strategies for the AT reader's fuzz target: bytes shaped like module output (frames of every
prefix the parsers know, with field values from sane to absurd, line ends of every kind, prompts, data
blocks whose length lies), raw bytes, and mutations of the corpus's inputs."""

from __future__ import annotations

from hypothesis import strategies as st

from harness.at.responses import known_prefixes

_VENDOR_PREFIXES = ("+QENG", "+NUESTATS", "+QIRD", '+QIURC: "recv"', "+MIPURC", "+QNWINFO", "+QIOPEN")
_ENDS = st.sampled_from([b"\r\n", b"\r", b"\n", b"\n\r", b"", b"\r\r\n"])
_FINALS = st.sampled_from(
    [b"OK", b"ERROR", b"+CME ERROR: 10", b"+CME ERROR: ", b"+CMS ERROR: 500", b"NO CARRIER", b"> ", b">"]
)
_FIELDS = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6).map(str),
    st.sampled_from(["", "99", "255", "-0", "1" * 40, "9" * 4400, "0x1F", "1e9", "nan", "-", ",", '"']),
    st.text(alphabet="0123456789ABCDEFabcdef", max_size=10).map(lambda t: f'"{t}"'),
    st.text(max_size=8),
)


@st.composite
def _frame(draw: st.DrawFn) -> bytes:
    prefix = draw(st.sampled_from(sorted(known_prefixes()) + list(_VENDOR_PREFIXES)))
    fields = draw(st.lists(_FIELDS, max_size=14))
    line = f"{prefix}:{draw(st.sampled_from(['', ' ', '  ']))}{','.join(fields)}"
    return line.encode("utf-8", "surrogatepass") + draw(_ENDS)


_PIECES = st.one_of(
    _frame(),
    _FINALS.flatmap(lambda final: _ENDS.map(lambda end: b"\r\n" + final + end)),
    st.binary(max_size=24),
    st.sampled_from([b"\x00", b"\xff\xfe", b"\xe4\xb8", b"\x1a", b"\x1b", b"+++", b"AT+CEREG?\r"]),
)


def _mutated(seed: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """`seed` with each (position, bytes removed, bytes inserted) applied in turn."""
    data = bytearray(seed)
    for position, removed, inserted in edits:
        at = position % (len(data) + 1)
        data[at : at + removed] = inserted
    return bytes(data)


def module_output(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    """Inputs for fuzz.at_reader_target.exercise: two situation bytes, then what the module sent."""
    built = st.tuples(st.binary(min_size=2, max_size=2), st.lists(_PIECES, max_size=40)).map(
        lambda head_pieces: head_pieces[0] + b"".join(head_pieces[1])
    )
    choices: list[st.SearchStrategy[bytes]] = [built, st.binary(max_size=600)]
    if seeds:
        edit = st.tuples(st.integers(0, 1 << 16), st.integers(0, 8), st.binary(max_size=8) | _FINALS)
        choices.append(st.builds(_mutated, st.sampled_from(seeds), st.lists(edit, max_size=6)))
    return st.one_of(choices)

"""at layer: IMEI, IMSI and ICCID kept out of the AT transcript (issue 8 item 6), while the session and the
dialects still read the real values (only what the transcript writes changes).

Which lines carry one (TS 27.007 §5.4 +CGSN, §5.6 +CIMI; V.250 +GSN; each vendor's ICCID command, see
harness.at.responses.identity and ../shared/reference/cellular-iot.md §1.6):
- an answer whose prefix names an identifier: `+CGSN: 866818039921444` (AT+CGSN=1), `+CIMI: ...` (some
  modules prefix the bare answer), `+QCCID:`, `+CCID:`, `+ICCID:`, `+NCCID:`, `%XICCID:`, `+MCCID:`;
- a bare line answering AT+CGSN, AT+GSN, AT+CIMI or an ICCID command: the line alone says nothing, so the
  command written before it decides;
- the +CRSM answer to a READ BINARY of EF_ICCID (2FE2 = 12258) or EF_IMSI (6F07 = 28423), 27.007 §8.18:
  the file's content (swapped BCD; TS 31.102 §4.2.2) is hashed as the identifier it codes, so a SIM file
  read does not put them in clear (harness.sim_card reads them);
- any later line, in either direction, that holds a value already seen (a URC or a vendor report repeating
  it, a command that writes it back).
Each value becomes `identifier_hash(value)`, the ICCID without the F that pads a 19-digit one: with the
lab's keyed hash (harness.results.identifiers) that is the `h:...` run.json holds, so a transcript is
matched with its run without the value itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from harness.sim_codes import decode_imsi_file, decode_swapped

IdentifierHash = Callable[[str], str]

# Commands whose answer may be a bare identifier line; their set forms too (AT+CGSN=0 answers a bare SN).
BARE_ANSWER_COMMANDS: tuple[str, ...] = (
    "AT+CGSN",
    "AT+GSN",
    "AT+CIMI",
    "AT+CCID",
    "AT+QCCID",
    "AT+ICCID",
    "AT+NCCID",
    "AT%XICCID",
    "AT+MCCID",
)
IDENTIFIER_PREFIXES: tuple[str, ...] = tuple(c.removeprefix("AT") for c in BARE_ANSWER_COMMANDS)

# 6 to 20 characters: an IMSI has 6 to 15 digits (TS 23.003 §2.2), an IMEI 15, an IMEISV 16, an ICCID 18
# to 20 with hex letters from some issuers (identity.py); 2-digit SVNs and other short numbers stay.
_VALUE = r"(?<![0-9A-Za-z])[0-9A-Fa-f]{6,20}(?![0-9A-Za-z])"
_VALUE_RE = re.compile(_VALUE)
_PREFIXED = re.compile(
    r"^\s*(?:" + "|".join(re.escape(p) for p in IDENTIFIER_PREFIXES) + r")\s*:(?P<rest>.*)$", re.IGNORECASE
)
# READ BINARY (176) of EF_ICCID / EF_IMSI, and the file's decoder
_CRSM_READS: dict[str, Callable[[bytes], str]] = {"12258": decode_swapped, "28423": decode_imsi_file}
_CRSM_READ = re.compile(r"^\s*AT\+CRSM=\s*176\s*,\s*(?P<fid>[0-9]+)\s*(?:,|$)", re.IGNORECASE)
_CRSM_ANSWER = re.compile(r'^\s*\+CRSM\s*:[^,]*,[^,]*,\s*"?(?P<value>[0-9A-Fa-f]+)"?\s*$', re.IGNORECASE)
_BARE = re.compile(r'^\s*"?(?P<value>[0-9A-Fa-f]{6,20})"?\s*$')
_ICCID_CHARS_PADDED = 20


class IdentifierRedactor:
    """The transcript's view of identifiers: finds them by the rules above and remembers each one seen.
    Not thread-safe on its own: the transcript calls redact_line with its lock held; hide_known only reads
    the compiled pattern of values seen, which is replaced whole."""

    def __init__(self, identifier_hash: IdentifierHash) -> None:
        self._hash = identifier_hash
        self._is_bare_answer_expected = False
        self._file_decoder: Callable[[bytes], str] | None = None  # of the SIM file +CRSM is reading
        self._seen: set[str] = set()
        self._seen_pattern: re.Pattern[str] | None = None

    def redact_written(self, command: str) -> str:
        """A command line as the transcript writes it; it also says whether a bare answer may follow."""
        head = command.strip(" \t").upper()
        self._is_bare_answer_expected = head.startswith(BARE_ANSWER_COMMANDS) and not head.endswith("=?")
        crsm = _CRSM_READ.match(head)
        self._file_decoder = _CRSM_READS.get(crsm["fid"]) if crsm is not None else None
        return self.hide_known(command)

    def redact_read(self, line: str) -> str:
        """A line read, with every identifier it carries replaced by its hash."""
        prefixed = _PREFIXED.match(line)
        if prefixed is not None:
            start = prefixed.start("rest")
            return line[:start] + _VALUE_RE.sub(self._replace, prefixed["rest"])
        answer = _CRSM_ANSWER.match(line) if self._file_decoder is not None else None
        if answer is not None and self._file_decoder is not None:
            return (
                line[: answer.start("value")]
                + self._file_hash(answer["value"], self._file_decoder)
                + (line[answer.end("value") :])
            )
        if self._is_bare_answer_expected:
            bare = _BARE.match(line)
            if bare is not None:
                return line[: bare.start("value")] + self._replace(bare) + line[bare.end("value") :]
        return self.hide_known(line)

    def hide_known(self, text: str) -> str:
        """`text` with every value seen so far replaced by its hash."""
        pattern = self._seen_pattern
        if pattern is None:
            return text
        return pattern.sub(lambda m: self._hash(normalised(m[0])), text)

    def _file_hash(self, content: str, decode: Callable[[bytes], str]) -> str:
        """The hash of the identifier a SIM file's content codes; the content as the hash of itself when it
        cannot be decoded (never left in clear)."""
        try:
            value = decode(bytes.fromhex(content))
        except ValueError:
            value = content
        self._learn(value)
        return self._hash(normalised(value))

    def _replace(self, match: re.Match[str]) -> str:
        value = match[0] if match.lastgroup is None else match[match.lastgroup]
        self._learn(value)
        return self._hash(normalised(value))

    def _learn(self, value: str) -> None:
        forms = {value.upper(), normalised(value)}
        if forms <= self._seen:
            return
        self._seen |= forms
        # longest first, so a padded ICCID is replaced whole rather than its unpadded head
        alternatives = "|".join(re.escape(v) for v in sorted(self._seen, key=len, reverse=True))
        self._seen_pattern = re.compile(rf"(?<![0-9A-Za-z])(?:{alternatives})(?![0-9A-Za-z])", re.IGNORECASE)


def normalised(value: str) -> str:
    """The value as the dialects report it: upper case, an ICCID without the F padding a 19-digit one
    (identity.py), so the transcript's hash equals run.json's."""
    upper = value.strip().upper()
    if len(upper) == _ICCID_CHARS_PADDED and upper.endswith("F"):
        return upper[:-1]
    return upper

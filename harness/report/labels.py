"""report layer: the report's words in English and Chinese (`miot report --lang zh`).

One table, keyed by a stable name; every key has both languages (tests/report/test_labels.py checks it), so
a missing translation is a test failure, never an English word left in a Chinese report. Metric names,
units and identifiers are not translated: they are the same keys a lab greps for in measurements.csv.
"""

from __future__ import annotations

from typing import Literal, get_args

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = get_args(Lang)

LABELS: dict[str, dict[Lang, str]] = {
    "report_title": {"en": "Network-capability test report", "zh": "网络能力测试报告"},
    "rtt_cdf": {"en": "RTT CDF", "zh": "往返时延累积分布"},
    "rtt_ms": {"en": "RTT (ms)", "zh": "往返时延 (ms)"},
    "fraction_of_probes": {"en": "fraction of probes", "zh": "探测包占比"},
}


def label(key: str, lang: Lang) -> str:
    """The word for `key` in `lang`; KeyError names the key (a report that asks for an unknown word is a
    bug in the report, not in the user's input)."""
    try:
        return LABELS[key][lang]
    except KeyError:
        raise KeyError(f"report label {key!r} has no {lang!r} text") from None


def check_lang(text: str) -> Lang:
    """A language code from the command line, or ValueError naming the choices."""
    for lang in LANGS:
        if text == lang:
            return lang
    raise ValueError(f"--lang {text!r}: expected one of {', '.join(LANGS)}")

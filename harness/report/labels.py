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
    "fraction_of_probes": {"en": "fraction of probes ≤ RTT", "zh": "时延不大于该值的探测包占比"},
    "without_rtt": {"en": "without RTT", "zh": "无往返时延"},
    "reference": {"en": "reference", "zh": "参考值"},
    "goodput_series": {"en": "Goodput per second", "zh": "每秒有效吞吐量"},
    "time_s": {"en": "time (s)", "zh": "时间 (s)"},
    "goodput_kbps": {"en": "goodput (kbit/s)", "zh": "有效吞吐量 (kbit/s)"},
    "goodput_vs_rsrp": {"en": "Goodput vs RSRP", "zh": "有效吞吐量与 RSRP"},
    "goodput_vs_sinr": {"en": "Goodput vs SINR", "zh": "有效吞吐量与 SINR"},
    "rsrp_dbm": {"en": "RSRP (dBm)", "zh": "参考信号接收功率 RSRP (dBm)"},
    "sinr_db": {"en": "SINR (dB)", "zh": "信干噪比 SINR (dB)"},
    "current_trace": {"en": "Current", "zh": "电流"},
    "current_ua": {"en": "current (µA)", "zh": "电流 (µA)"},
    "marker": {"en": "test event", "zh": "测试事件"},
    "state_connected": {"en": "connected", "zh": "连接态"},
    "state_idle": {"en": "idle", "zh": "空闲态"},
    "state_psm": {"en": "PSM", "zh": "省电模式 (PSM)"},
    "coverage_map": {"en": "Sites by RSRP", "zh": "各站点 RSRP 覆盖图"},
    "longitude_deg": {"en": "longitude (°)", "zh": "经度 (°)"},
    "latitude_deg": {"en": "latitude (°)", "zh": "纬度 (°)"},
    "no_rsrp": {"en": "no RSRP", "zh": "无 RSRP"},
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

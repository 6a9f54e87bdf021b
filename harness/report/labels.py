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
    "rtt_under_load": {"en": "RTT under load", "zh": "负载下的往返时延"},
    "phase_unloaded": {"en": "no load", "zh": "无负载"},
    "phase_ul_loaded": {"en": "uplink saturated", "zh": "上行满载"},
    "phase_dl_loaded": {"en": "downlink saturated", "zh": "下行满载"},
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
    # the cross-run report (harness.report.cross_run_page)
    "runs": {"en": "Runs", "zh": "测试批次"},
    "run_id": {"en": "run", "zh": "批次"},
    "started": {"en": "started (UTC)", "zh": "开始 (UTC)"},
    "ended": {"en": "ended (UTC)", "zh": "结束 (UTC)"},
    "interrupted": {"en": "interrupted (no end recorded)", "zh": "中断 (未记录结束)"},
    "rig": {"en": "rig", "zh": "测试台"},
    "plan": {"en": "plan", "zh": "测试计划"},
    "period": {"en": "period", "zh": "时间范围"},
    "modules": {"en": "modules", "zh": "模组"},
    "module": {"en": "module", "zh": "模组"},
    "firmware": {"en": "firmware", "zh": "固件"},
    "operator": {"en": "operator", "zh": "运营商"},
    "rat": {"en": "RAT", "zh": "接入技术"},
    "site": {"en": "site", "zh": "站点"},
    "coverage": {"en": "coverage", "zh": "覆盖等级"},
    "metric": {"en": "metric", "zh": "指标"},
    "value": {"en": "value", "zh": "数值"},
    "unit": {"en": "unit", "zh": "单位"},
    "statistic": {"en": "statistic", "zh": "统计量"},
    "range": {"en": "min–max of tests", "zh": "各测试最小–最大"},
    "limit": {"en": "limit", "zh": "门限"},
    "pass": {"en": "pass", "zh": "通过"},
    "marginal": {"en": "marginal", "zh": "临界"},
    "fail": {"en": "fail", "zh": "失败"},
    "unchecked": {"en": "unchecked", "zh": "未判定"},
    "missing": {"en": "missing", "zh": "缺失"},
    "median_of": {"en": "median of {n} values", "zh": "{n} 个值的中位数"},
    "single_value": {"en": "one value", "zh": "单个值"},
    "no_value": {"en": "no value", "zh": "无数值"},
    "pooled_of": {
        "en": "{statistic} of {n} pooled samples from {tests} tests",
        "zh": "{tests} 个测试合并的 {n} 个样本的 {statistic}",
    },
    "statistics_note": {
        "en": "Each row aggregates every test, iteration and run of its group. A value is the median of the "
        "recorded per-test values, except percentiles whose raw samples exist in every test of the group: "
        "those are computed over the pooled samples (a p95 of all probes, not a median of p95s). "
        "The outcome columns count the plan's verdicts of the group's tests.",
        "zh": "每行汇总该分组内所有测试、迭代和批次。数值为各测试记录值的中位数；"
        "若分组内每个测试都有原始样本，百分位指标改由合并样本计算"
        "（所有探测包的 p95，而非各 p95 的中位数）。结果列统计测试计划对该分组各测试的判定。",
    },
    "indicators": {"en": "Indicators", "zh": "指标"},
    "comparison": {"en": "Comparison with the baseline", "zh": "与基线的对比"},
    "figures": {"en": "Figures", "zh": "图表"},
    "no_measurements": {"en": "No measurements in these runs.", "zh": "这些批次中没有测量数据。"},
    "family_access": {"en": "Access", "zh": "接入"},
    "family_latency": {"en": "Latency", "zh": "时延"},
    "family_throughput": {"en": "Throughput", "zh": "吞吐量"},
    "family_uplink": {"en": "Uplink reporting", "zh": "上行上报"},
    "family_power_save": {"en": "Power saving", "zh": "节能"},
    "family_friendliness": {"en": "Network friendliness", "zh": "网络友好性"},
    "family_coverage": {"en": "Coverage", "zh": "覆盖"},
    "family_stability": {"en": "Stability", "zh": "稳定性"},
    "family_other": {"en": "Other metrics", "zh": "其他指标"},
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

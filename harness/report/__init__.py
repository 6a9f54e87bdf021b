"""report layer: pieces of the HTML report (DESIGN "report"): plots as PNG bytes, KPI tables as HTML.

The pytest-html and JUnit glue lives in harness.pytest_plugin, the only package that imports pytest.
"""

from harness.report.kpi_table import KPI_TABLE_CSS, describe_limit, kpi_table_html
from harness.report.plots import rtt_cdf_png

__all__ = ["KPI_TABLE_CSS", "describe_limit", "kpi_table_html", "rtt_cdf_png"]

"""The headless-browser helper (tests/browser.py) on pages written here: it sees console errors and images
that fail to load, so a report test that finds none can be trusted."""

from __future__ import annotations

import base64
from pathlib import Path

from browser import check_page, needs_browser

from harness.report.plots import rtt_cdf_png


@needs_browser
def test_the_helper_reports_console_errors_and_which_images_loaded(tmp_path: Path) -> None:
    png = base64.b64encode(rtt_cdf_png([1.0, 2.0], title="t")).decode("ascii")
    page = tmp_path / "page.html"
    page.write_text(
        "<!DOCTYPE html><html><body>"
        f'<img id="good" src="data:image/png;base64,{png}">'
        '<img id="broken" src="data:image/png;base64,AAAA">'
        '<img src="data:image/png;base64,AAAA">'
        "<script>console.error('boom'); undefinedFunction();</script>"
        "</body></html>",
        encoding="utf-8",
    )

    check = check_page(page)

    assert check.images == {"good": True, "broken": False}
    assert any("boom" in error for error in check.console_errors)
    assert any("undefinedFunction" in error for error in check.console_errors)

"""Headless Chromium for the report tests: open an HTML file and tell what a reader would see go wrong, its
console errors and, for every <img> with an id, whether it loaded (naturalWidth > 0).

Chromium and chromedriver are Debian's packages `chromium` and `chromium-driver` (`make test-deps` installs
them as root); selenium drives them with the paths found here, so it never looks for or downloads a driver
of its own. Tests that need them carry `needs_browser`, which skips naming what is missing.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
LOAD_TIMEOUT_S = 60.0  # a loaded 2-core machine starts Chromium in 1-5 s; a report with plots renders in less


def browser_problem() -> str | None:
    """Why no headless browser can run here, or None."""
    missing = [
        name
        for name, path in (("chromium", CHROMIUM), ("chromedriver (Debian: chromium-driver)", CHROMEDRIVER))
        if path is None
    ]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package (pip install -e '.[dev]')")
    return f"headless browser unavailable: {', '.join(missing)} missing" if missing else None


needs_browser = pytest.mark.skipif(browser_problem() is not None, reason=str(browser_problem()))


@dataclass(frozen=True, slots=True, kw_only=True)
class PageCheck:
    console_errors: list[str]
    images: dict[str, bool]  # <img> id -> loaded


def check_page(path: Path, *, wait_for: str = "body") -> PageCheck:
    """Open `path` in headless Chromium, wait until the page has loaded, an element matches the CSS
    selector `wait_for` (a page that renders itself with JavaScript) and every image has finished, then
    read the console's errors and the images' state."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.wait import WebDriverWait

    if CHROMIUM is None or CHROMEDRIVER is None:
        raise RuntimeError(str(browser_problem()))
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)  # no sandbox: tests run as root in CI, where Chromium refuses it
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        driver.get(Path(path).resolve().as_uri())
        WebDriverWait(driver, LOAD_TIMEOUT_S).until(
            lambda d: d.execute_script(
                "return document.readyState === 'complete' && document.querySelector(arguments[0]) !== null"
                " && Array.from(document.images).every(image => image.complete)",
                wait_for,
            )
        )
        pairs = driver.execute_script(
            "return Array.from(document.querySelectorAll('img[id]'))"
            ".map(image => [image.id, image.complete && image.naturalWidth > 0])"
        )
        logs = driver.get_log("browser")
    finally:
        driver.quit()
    errors = [str(entry["message"]) for entry in logs if entry.get("level") == "SEVERE"]
    return PageCheck(console_errors=errors, images={str(key): bool(loaded) for key, loaded in pairs})

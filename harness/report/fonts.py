"""report layer: the fonts the plots draw their words with, Chinese included (`--lang zh`).

DejaVu Sans (matplotlib's own) has no CJK glyphs; a Chinese label drawn with it shows empty boxes and a
"Glyph ... missing" warning. The plots name a font list instead: DejaVu Sans first (digits, Latin, µ, ≤),
then the first CJK family installed, for matplotlib's per-glyph fallback. The Makefile installs Debian's
`fonts-noto-cjk` (CJK_FONT_PACKAGE) when no CJK font is present.

matplotlib's font list is cached on first use, so a font installed after that cache was built is not in it:
the known CJK font files are then added to the font manager once, by path.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

from matplotlib import font_manager
from matplotlib.font_manager import FontProperties

from harness.report.labels import Lang

CJK_FONT_PACKAGE = "fonts-noto-cjk"
BASE_FAMILY = "DejaVu Sans"
# Best first: Simplified Chinese faces, then any CJK face (its Han glyphs cover Chinese labels).
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Noto Sans CJK JP")
_CJK_FILE_STEMS = ("NotoSansCJK-Regular", "NotoSansCJKsc-Regular", "SourceHanSansSC-Regular", "wqy-zenhei")
_LOCK = threading.Lock()


@functools.cache
def cjk_family() -> str | None:
    """The name of an installed CJK font family matplotlib can draw with, or None."""
    with _LOCK:
        found = _known_cjk_family()
        if found is None:
            for path in font_manager.findSystemFonts():
                if Path(path).stem in _CJK_FILE_STEMS:
                    font_manager.fontManager.addfont(path)
            found = _known_cjk_family()
        return found


def text_font(lang: Lang) -> FontProperties:
    """The font of a plot's words in `lang` (Chinese falls back to DejaVu Sans alone when no CJK font is
    installed: the figure still draws, with matplotlib's missing-glyph warning)."""
    cjk = cjk_family() if lang == "zh" else None
    return FontProperties(family=[BASE_FAMILY] if cjk is None else [BASE_FAMILY, cjk])


def _known_cjk_family() -> str | None:
    names = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in names), None)

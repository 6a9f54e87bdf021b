"""PNG checks shared by the report tests: the signature and the IHDR size, and decoding to pixels."""

from __future__ import annotations

import io
import struct

import numpy as np
from matplotlib.image import imread

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the IHDR chunk; AssertionError unless `data` starts as a PNG does."""
    assert data.startswith(PNG_SIGNATURE)
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def png_pixels(data: bytes) -> np.ndarray:
    return np.asarray(imread(io.BytesIO(data), format="png"))

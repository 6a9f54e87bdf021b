"""miot-harness: network performance tests for cellular IoT modules (NB-IoT, LTE Cat-1, 5G RedCap).

Layers and public names: see docs/architecture.md and ../shared/DESIGN.md.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("miot-harness")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

"""server layer: the test server the traffic lands on (DESIGN "server").

For now the local UDP echo reflector; sinks, sources, remote control and sessions come with issue 5.
"""

from harness.server.reflector import ReflectorStats, UdpReflector

__all__ = ["ReflectorStats", "UdpReflector"]

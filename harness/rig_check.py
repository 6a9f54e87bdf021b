"""glue layer: `miot rig check`'s check of a rig (issue 8 item 1): every module, power analyzer and the test
server asked whether it answers, side by side within the deadline (harness.rig_probe.run_probes), one
`ProbeRow` each, for harness.rig_check_table to print.

A probe says what answered and what did not; it does not change what it finds, except for entering the SIM
PIN the rig names (as a run's bring-up would) so that the PIN is known to work before a run depends on it.
Analyzers are asked who they are (harness.power.probe_analyzer); the server opens and closes a reflector
session: a local one started and stopped here, a remote one reached with the token from the rig's variable.
"""

from __future__ import annotations

from functools import partial

from harness.power import probe_analyzer
from harness.rig import Power, Rig, Server, ServerMode
from harness.rig_probe import Findings, Probe, ProbeRow, ProbeSettings, run_probes
from harness.rig_probe_module import probe_module
from harness.server import LocalServer, ServerClient, ServerControl, SessionKind, SessionParams
from harness.server.client import token_from_environment


def probe_rig(rig: Rig, settings: ProbeSettings) -> list[ProbeRow]:
    """A row per module, per power analyzer and for the server, in that order, each within the deadline."""
    probes: list[tuple[Findings, Probe]] = [
        *((Findings("module", module.id), partial(probe_module, module, settings)) for module in rig.modules),
        *((Findings("power", power.id), partial(probe_power, power)) for power in rig.power),
        (Findings("server", rig.server.mode.value), partial(probe_server, rig.server, settings)),
    ]
    return run_probes(probes, deadline_s=settings.deadline_s)


def probe_power(power: Power, findings: Findings) -> None:
    """The analyzer's identity (harness.power.probe_analyzer), or that it is opened with its module."""
    channels = ", ".join(f"{module_id} on {channel}" for module_id, channel in power.channels.items())
    findings.step = f"{power.analyzer} ({channels})"
    identity = probe_analyzer(power)
    found = "opened with its module" if identity is None else f"{identity.model}, {identity.serial}"
    findings.answered.append(f"{findings.step}: {found}")


def probe_server(server: Server, settings: ProbeSettings, findings: Findings) -> None:
    """A local server started and stopped, or the remote one reached with the rig's token; either way a
    reflector session opened and closed."""
    if server.mode is ServerMode.LOCAL:
        findings.step = f"local server on {server.host}"
        control: ServerControl = LocalServer(host=server.host)
        port = server.port
    else:
        findings.step = f"token from ${server.token_env}"
        token = token_from_environment(server.token_env or "", settings.environ)
        findings.step = f"miot server at {server.host}:{server.port}"
        control = ServerClient(server.host, server.port, token, timeout_s=settings.timeout_s)
        port = 0  # the remote server picks its own free port
    try:
        session = control.open_session(SessionKind.UDP_REFLECTOR, SessionParams(port=port))
        control.close_session(session.session_id)
    finally:
        control.close()
    findings.answered.append(f"{findings.step}: reflector session on port {session.port} opened and closed")

"""glue layer: `miot sim prepare`, a rig module's test SIM prepared by hand (issue 11 item 2; the
preparation is harness.sim_card.prepare's).

    miot sim prepare [RIG] [--rig RIG] --module ID [--operator PLMN] (--cold | --warm) [--dry-run]

Opens the module under its port lock, enters the SIM's PIN when it asks for it (from the variable the rig
names), and prepares the card: `--cold` empties EF_FPLMN and deletes EF_LOCI / EF_PSLOCI / EF_EPSLOCI with the
radio off (the radio is on again afterwards); `--warm` leaves it. Every file written is printed with its old
and new content (hex), so it can be restored; `--dry-run` prints what would change and writes nothing. A
SIM the rig does not mark `writable = true` is refused with one line (exit 2) unless it is a dry run; a
card or module that refuses is one line, exit 1. A module with several SIMs (`[[module.sims]]`) needs
`--operator`: its SIM is switched in front of the module as a plan's rotation does (slot, then the ICCID
checked against the rig's) before anything is written, so the card written is the one the rig names.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from harness.cli_rig import add_rig_argument, checked_rig, rig_path
from harness.errors import HarnessError, ModemError, UserError

if TYPE_CHECKING:
    from harness.rig import Module, Sim
    from harness.sim_card import PreparationResult, SimWrite

RUN_ID = "miot-sim"


def add_sim_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sim_parser = commands.add_parser("sim", help="test SIMs of a rig's modules")
    sim_commands = sim_parser.add_subparsers(required=True, metavar="ACTION")
    prepare_parser = sim_commands.add_parser(
        "prepare", help="prepare a module's test SIM cold (stored location deleted) or warm (left as it is)"
    )
    prepare_parser.add_argument("rig_file", nargs="?", type=Path, metavar="RIG", help="rig file (as --rig)")
    add_rig_argument(prepare_parser)
    prepare_parser.add_argument("--module", required=True, metavar="ID", help="the rig's module id")
    which = prepare_parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--cold", dest="preparation", action="store_const", const="cold")
    which.add_argument("--warm", dest="preparation", action="store_const", const="warm")
    prepare_parser.add_argument(
        "--operator", metavar="PLMN", help="which SIM, when the module has several ([[module.sims]])"
    )
    prepare_parser.add_argument(
        "--dry-run", action="store_true", help="print what would be written, write nothing"
    )
    prepare_parser.set_defaults(command=sim_prepare)


def sim_prepare(args: argparse.Namespace) -> int:
    from harness.dialects import ConnectOptions, connect
    from harness.dialects.sim import check_iccid, unlock_sim
    from harness.sim_card import Preparation, prepare, sim_card_of
    from harness.sim_card.rotation import RotatingModem, select_slot
    from harness.transport.port_lock import hold_port, this_holder

    rig = checked_rig(rig_path(args))
    module = next((m for m in rig.modules if m.id == args.module), None)
    if module is None:
        has = ", ".join(rig.module_ids)
        raise UserError(f"miot sim prepare: rig {rig.path} has no module {args.module!r} ({has})")
    sim = chosen_sim(module, args.operator)
    is_writable = sim is not None and sim.writable
    try:
        with hold_port(module.port, this_holder(RUN_ID, module.id)):
            options = ConnectOptions(dialect=module.dialect, baudrate=module.baudrate)
            with connect(module.port, options) as link:
                if sim is not None and sim.slot is not None and len(module.all_sims) > 1:
                    if not isinstance(link.modem, RotatingModem):
                        raise ModemError(f"dialect {link.dialect} cannot switch SIMs")
                    select_slot(link.modem, module, sim.slot)
                unlock_sim(link.modem, sim.pin_env if sim else None, os.environ)
                if sim is not None:
                    check_iccid(link.modem.identity().iccid, sim.iccid, [])
                card = sim_card_of(link.modem, is_writable=is_writable, on_write=_print_write)
                result = prepare(card, Preparation(args.preparation), is_dry_run=args.dry_run)
    except UserError:
        raise
    except HarnessError as error:
        print(f"miot: module {module.id}: {error}", file=sys.stderr)
        return 1
    if args.dry_run:
        for write in result.writes:
            print(f"would write {write.describe()}")
    print(f"miot: module {module.id}: {_summary(result)}")
    return 0


def chosen_sim(module: Module, operator: str | None) -> Sim | None:
    """The rig's SIM to prepare: the module's one, or of several the operator's (UserError naming them)."""
    sims = module.all_sims
    operators = ", ".join(str(sim.operator) for sim in sims)
    if operator is None:
        if len(sims) > 1:
            raise UserError(
                f"miot sim prepare: module {module.id} holds several SIMs: "
                f"name one with --operator ({operators})"
            )
        return sims[0] if sims else None
    sim = module.sim_for(operator)
    if sim is None:
        raise UserError(
            f"miot sim prepare: module {module.id} has no SIM of operator {operator!r} "
            f"({operators or 'none listed'})"
        )
    return sim


def _print_write(write: SimWrite) -> None:
    """Each write as it is made, old content first: what restores the card if the run stops here."""
    print(f"writing {write.describe()}", flush=True)


def _summary(result: PreparationResult) -> str:
    if not result.writes:
        return f"{result.preparation} preparation: nothing to write"
    verb = "would write" if result.is_dry_run else "wrote"
    return f"{result.preparation} preparation {verb} {len(result.writes)} file(s)"

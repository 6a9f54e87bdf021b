"""benchmarks/machine.py: what docs/performance.md says about the machine, read from /proc."""

from __future__ import annotations

from pathlib import Path

from benchmarks.machine import cpu_model, describe_machine, memory_kib, tool_version


def test_cpu_model_takes_the_first_model_name_and_falls_back_on_arm_fields() -> None:
    x86 = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n"
    assert cpu_model(x86) == "AMD EPYC 7B13"
    assert cpu_model("processor\t: 0\nBogoMIPS\t: 50.00\nModel\t\t: Raspberry Pi 4 Model B\n") == (
        "Raspberry Pi 4 Model B"
    )
    assert cpu_model("") == "unknown"


def test_memory_is_memtotal() -> None:
    assert memory_kib("MemTotal:        8048252 kB\nMemFree:  1 kB\n") == 8048252
    assert memory_kib("") == 0


def test_a_missing_tool_is_named_missing() -> None:
    assert tool_version(("miot-no-such-tool-here", "--version")) == "missing"


def test_machine_of_an_empty_proc_still_describes_python(tmp_path: Path) -> None:
    machine = describe_machine(proc=tmp_path)
    assert (machine.cpu_model, machine.memory_gib) == ("unknown", 0.0)
    assert machine.python
    assert machine.cores >= 1

"""glue layer: the `miot` command."""


def main() -> int:
    raise SystemExit("miot: not built yet")

"""`python -m harness` is the `miot` command."""

from harness.cli import main

raise SystemExit(main())

"""`python -m benchmarks [--only NAME ...] [--no-write]`: benchmarks.suite (what `make bench` runs)."""

from benchmarks.suite import main

raise SystemExit(main())

"""Root conftest: the harness's own test suite. The harness plugin itself comes from the pytest11 entry point."""

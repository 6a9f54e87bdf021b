"""Root conftest of the harness's own test suite; the harness plugin itself comes from its pytest11
entry point."""

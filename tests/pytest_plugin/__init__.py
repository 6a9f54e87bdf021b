"""Tests of harness.pytest_plugin, run as users meet the plugin: pytest in pytester's directory."""

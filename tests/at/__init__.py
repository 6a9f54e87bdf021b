"""Tests of harness.at."""

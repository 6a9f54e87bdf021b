"""sim_card layer: the test SIM as the harness controls it through the module (issue 11): SIM rotation for
per-operator runs (`rotation`)."""

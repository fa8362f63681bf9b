"""`python -m harness.cli` runs the `ercbench` command (no installed script needed)."""

from harness.cli import main

main(prog_name="ercbench")

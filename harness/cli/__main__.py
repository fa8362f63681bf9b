"""`python -m harness.cli`: the ercbench command, as `accelerate launch -m harness.cli ...` starts it."""

from harness.cli import main

if __name__ == "__main__":
    main(prog_name="ercbench")

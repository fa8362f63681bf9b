"""One process of a data-parallel LoRA test run (tiny LLaMA, real MELD), started once per rank by the tests.

`python -m tests.plugins.training.ddp_worker BASE OUT [K=V ...]` trains with lora_fixtures.FAST_OPTIONS
(dropout off: each process would draw its own dropout masks) plus the given options.
"""

from __future__ import annotations

import sys

from tests.plugins.training.lora_fixtures import make_trainer, meld, offline

EXACT = {"dropout": "0"}


def main(base: str, out: str, *pairs: str) -> None:
    offline()
    options = dict(pair.split("=", 1) for pair in pairs)
    make_trainer(base, **{**EXACT, **options}).train([meld()], out)


if __name__ == "__main__":
    main(*sys.argv[1:])

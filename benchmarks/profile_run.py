"""A breakdown, not a headline: one `ercbench run` in process under torch's profiler, GPU kernels by time.

    python benchmarks/profile_run.py --out /tmp/prof.txt -- run -t meld -p zero-shot -m hf:DIR --model-opt mode=score

Prints the kernels and operators that took the most device time, the device's busy seconds against the
wall seconds of the whole command, and how many forward passes of the decoder ran.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def busy_seconds(profile) -> float:
    """Device seconds in kernels and copies (one stream: they do not overlap)."""
    from torch.autograd import DeviceType

    events = [e for e in profile.events() if e.device_type == DeviceType.CUDA]
    return sum(e.time_range.elapsed_us() for e in events) / 1e6


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=30)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="ercbench arguments after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    import torch
    from torch.profiler import ProfilerActivity, profile

    from harness.cli import main as ercbench

    clock = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        try:
            ercbench(args=command, prog_name="ercbench", standalone_mode=False)
        finally:
            if torch.cuda.is_available():
                torch.cuda.synchronize()
    wall = time.perf_counter() - clock
    averages = prof.key_averages()
    lines = [f"wall {wall:.1f} s (profiled, so slower than a plain run); device busy {busy_seconds(prof):.1f} s",
             averages.table(sort_by="self_device_time_total", row_limit=args.rows, max_name_column_width=60),
             averages.table(sort_by="self_cpu_time_total", row_limit=args.rows, max_name_column_width=60)]
    args.out.write_text("\n".join(lines))
    print(lines[0])


if __name__ == "__main__":
    main()

"""`python -m bench.peak_rss OUT MODULE [ARG...]`: run MODULE as a program, then write its peak RSS.

Why not `wait4`'s `ru_maxrss`: Linux carries the high-water mark of the address space a child
was forked with across `exec`, so every child of a large parent reports at least the parent's
size. `VmHWM` in `/proc/self/status` belongs to the process's own address space after exec.
OUT receives the peak in kilobytes, whatever way the module ends.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path


def peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    out, module, *args = sys.argv[1:]
    sys.argv = [module, *args]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        Path(out).write_text(f"{peak_kb()}\n")


if __name__ == "__main__":
    main()

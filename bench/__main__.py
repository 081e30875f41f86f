from __future__ import annotations

import importlib
import os
import pkgutil
import platform
import sys
from pathlib import Path


def conditions() -> str:
    cpus = os.cpu_count()
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f", {int(line.split()[1]) // 1024 // 1024} GiB RAM"
    except OSError:
        pass
    return f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}, {cpus} CPUs{mem}"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    names = sys.argv[1:] or sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not m.name.startswith("_")
    )
    print(f"# Hotline benchmarks — {conditions()}")
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n## {name}", flush=True)
        # A benchmark whose own correctness check fails returns non-zero: so does `make bench`.
        if module.main([]):
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        sys.exit(1)


if __name__ == "__main__":
    main()

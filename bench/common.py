"""Small helpers shared by the issue-5 benchmark scripts: percentiles, memory, machine."""
from __future__ import annotations

import os
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = ROOT.parent / "shared/eval/dev.jsonl"


def pct(values, q: float) -> float:
    """The q-quantile of ``values`` (linear interpolation, as ``qa eval`` reports latency)."""
    import numpy as np

    return float(np.percentile(values, 100 * q))


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def own_peak_rss_mb() -> float:
    """Peak RSS of this process image only (VmHWM). ``ru_maxrss`` survives fork+exec, so a
    child started by a big parent would report the parent's peak."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return peak_rss_mb()


def load() -> str:
    """The 1-minute load average: other work on a 2-core machine skews timings."""
    return f"{os.getloadavg()[0]:.2f}"


def folder_mb(folder: Path) -> float:
    """Total size of the files under ``folder`` in MiB."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 2**20


def machine() -> str:
    """One line: CPU model, cores, RAM, Python, torch and faiss versions."""
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    ram = next((int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0) / 2**20
    versions = []
    for name in ("torch", "faiss"):
        try:
            versions.append(f"{name} {__import__(name).__version__}")
        except ImportError:
            pass
    return (f"{cpu}, {os.cpu_count()} cores, {ram:.1f} GiB RAM, Python {platform.python_version()} "
            f"({sys.executable}), " + ", ".join(versions))


class Timed:
    """Wraps an encoder or annotator, adding up the seconds spent in the named methods."""

    def __init__(self, inner, *methods: str):
        self.inner, self.methods, self.seconds, self.items = inner, methods, 0.0, 0
        self.name = inner.name
        if hasattr(inner, "dimension"):
            self.dimension = inner.dimension

    def __getattr__(self, attr):
        if attr not in self.__dict__.get("methods", ()):
            return getattr(self.inner, attr)

        def timed(texts, *args, **kwargs):
            started = time.perf_counter()
            try:
                return getattr(self.inner, attr)(texts, *args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.items += len(texts)

        return timed

"""What compare_distribution.py and compare_performance.py share: running the BenchmarkDotNet suite on seeded inputs,
reading its medians, timing a Python baseline the same way, describing the machine and rewriting one marked section of
docs/benchmarks.md. Not run on its own."""
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOC = os.path.join(ROOT, "docs", "benchmarks.md")


def run_benchmarkdotnet(data_variable, folder, bench_filter, artifacts, keep):
    """Runs the BenchmarkDotNet suite matching bench_filter with data_variable=folder (the seeded inputs), keeps the
    JSON results under keep (a folder in the repository) and returns {(method, N): median ms}."""
    # Tiered compilation off: on this loaded 2-core machine the background tier-up of the library code lagged by
    # seconds, so the first in-process benchmarks measured tier-0 code (a 0.1 ms KS call read 2-3 ms).
    env = dict(os.environ, DOTNET_TieredCompilation="0", **{data_variable: folder})
    cmd = ["dotnet", "run", "-c", "Release", "--project", os.path.join(ROOT, "bench", "Statistics.Benchmarks"), "--",
           "--filter", bench_filter, "--exporters", "json", "--artifacts", artifacts]
    print("running:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, env=env, cwd=ROOT)
    shutil.rmtree(keep, ignore_errors=True)
    shutil.copytree(os.path.join(artifacts, "results"), os.path.join(keep, "results"))
    return read_benchmarkdotnet(keep)


def read_benchmarkdotnet(artifacts):
    """{(method, N): median ms} from a BenchmarkDotNet.Artifacts folder's JSON reports."""
    medians = {}
    for path in glob.glob(os.path.join(artifacts, "results", "*.json")):
        with open(path) as f:
            report = json.load(f)
        for b in report["Benchmarks"]:
            n = int(re.search(r"N=(\d+)", b["Parameters"]).group(1))
            medians[(b["Method"], n)] = b["Statistics"]["Median"] / 1e6  # ns -> ms
    return medians


def median_ms(fn, repeats=5, min_batch_seconds=0.2):
    """Median over repeats of the mean time per call, each repeat long enough to be measurable."""
    fn()  # warm-up
    t0 = time.perf_counter()
    fn()
    single = time.perf_counter() - t0
    number = max(1, int(min_batch_seconds / max(single, 1e-7)))
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - t0) / number)
    return float(np.median(samples)) * 1e3


def machine(libraries):
    """CPU, cores, memory, OS, .NET SDK, Python and the given (name, version) baseline libraries."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f", {int(f.readline().split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    dotnet = subprocess.run(["dotnet", "--version"], capture_output=True, text=True).stdout.strip()
    libs = ", ".join(f"{name} {version}" for name, version in libraries)
    return (f"{cpu}, {os.cpu_count()} logical cores{mem}; {platform.platform()}; .NET SDK {dotnet}; "
            f"Python {platform.python_version()}, {libs}")


def fmt(ms):
    return f"{ms * 1e3:.1f} µs" if ms < 1 else f"{ms:.2f} ms" if ms < 100 else f"{ms:.0f} ms"


def load_average():
    try:
        return "/".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def write_section(begin, end, lines, results_path, machine_text, raw):
    """Replaces the text between begin and end in docs/benchmarks.md (appends it when absent) and writes raw rows."""
    section = "\n".join([begin] + lines + [end]) + "\n"
    text = open(DOC).read() if os.path.exists(DOC) else "# Benchmarks\n"
    if begin in text and end in text:
        text = text[:text.index(begin)] + section.rstrip("\n") + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(DOC, "w") as f:
        f.write(text)
    with open(results_path, "w") as f:
        json.dump({"machine": machine_text, "rows": raw}, f, indent=1)
    print(section)

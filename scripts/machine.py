"""One line saying which CPU a benchmark ran on, for the benchmark scripts to print first.

gym's speed follows the CPU's vector width more than its clock: an AMD Zen 5 core runs
AVX-512's 16-float multiply-adds at full width, a Zen 4 core runs them as two 8-float halves, and
gym's matrix products peak at about twice the GFLOP/s on the first (`gym bench-kernels`). A
virtual machine often names its CPU only "AMD EPYC", so the family and model numbers are
decoded here into the core's design where they are known.

`--noise SECONDS` measures how much of each CPU the host takes away: one process per CPU reads
the clock in a loop, and every gap of 5 us or more between two readings is time the CPU ran
something else (the host's other guests, interrupts). On a virtual machine this varies by the
minute (1% to 10% of a CPU), and gym's two training threads meet every minibatch, so a pause on
either CPU holds both: the benchmark scripts print it next to their timings.
"""
import multiprocessing
import os
import time
from pathlib import Path

# AMD family 0x19 spans two designs; the model number tells them apart.
_AMD_19_ZEN4_MODELS = [range(0x10, 0x20), range(0x60, 0x80), range(0xA0, 0xB0)]


def amd_design(family, model):
    """The core design of an AMD CPU's family and model numbers, or None."""
    if family == 0x17:
        return "Zen 2" if model >= 0x30 else "Zen or Zen+"
    if family == 0x19:
        return "Zen 4" if any(model in r for r in _AMD_19_ZEN4_MODELS) else "Zen 3"
    if family == 0x1A:
        return "Zen 5"
    return None


def describe(cpuinfo_path="/proc/cpuinfo"):
    """For example "AMD EPYC, family 25 model 17 (Zen 4), 2 CPUs, AVX-512"; "unknown CPU" off Linux."""
    try:
        text = Path(cpuinfo_path).read_text()
    except OSError:
        return "unknown CPU"
    first, fields = text.split("\n\n")[0], {}
    for line in first.splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    cpus = sum(1 for line in text.splitlines() if line.startswith("processor"))
    parts = [fields.get("model name", "unknown CPU")]
    if "cpu family" in fields and "model" in fields:
        family, model = int(fields["cpu family"]), int(fields["model"])
        design = amd_design(family, model) if fields.get("vendor_id") == "AuthenticAMD" else None
        parts.append(f"family {family} model {model}" + (f" ({design})" if design else ""))
    parts.append(f"{cpus} CPU{'s' if cpus != 1 else ''}")
    flags = fields.get("flags", "").split()
    parts.append("AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2")
    return ", ".join(parts)


PAUSE_NS = 5_000


def pauses(readings, threshold_ns=PAUSE_NS):
    """(nanoseconds lost, count) in a sequence of clock readings: the gaps of at least threshold_ns."""
    lost = count = 0
    for earlier, later in zip(readings, readings[1:]):
        if later - earlier >= threshold_ns:
            lost += later - earlier
            count += 1
    return lost, count


def _watch_cpu(cpu, seconds, results):
    # The loop of `pauses` without keeping the readings: a loop turn takes about 0.1 us here.
    os.sched_setaffinity(0, {cpu})
    clock = time.perf_counter_ns
    start = last = clock()
    end = start + int(seconds * 1e9)
    lost = count = 0
    while last < end:
        now = clock()
        if now - last >= PAUSE_NS:
            lost += now - last
            count += 1
        last = now
    results.put((cpu, lost / (last - start), count))


def host_noise(seconds=0.5):
    """[(cpu, fraction of the time lost, pauses)] for every CPU this process may run on, watched at once."""
    cpus = sorted(os.sched_getaffinity(0))
    results = multiprocessing.Queue()
    watchers = [multiprocessing.Process(target=_watch_cpu, args=(cpu, seconds, results)) for cpu in cpus]
    for watcher in watchers:
        watcher.start()
    found = sorted(results.get() for _ in watchers)
    for watcher in watchers:
        watcher.join()
    return found


def describe_noise(found):
    """For example "host took 2.1% of CPU 0, 1.0% of CPU 1"."""
    return "host took " + ", ".join(f"{fraction * 100:.1f}% of CPU {cpu}" for cpu, fraction, _ in found)


if __name__ == "__main__":
    import sys
    if sys.argv[1:2] == ["--noise"]:
        # scripts/machine.py --noise [SECONDS]: what the host takes of each CPU, watched for that long.
        seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
        print(f"{describe_noise(host_noise(seconds))} over {seconds:g} s (pauses of {PAUSE_NS // 1000} us or more)")
    else:
        # scripts/machine.py [CPUINFO]: another cpuinfo file than this machine's (the tests' fixtures).
        print(describe(*sys.argv[1:2]))

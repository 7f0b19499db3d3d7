"""One line saying which CPU a benchmark ran on, for the benchmark scripts to print first.

gym's speed follows the CPU's vector width more than its clock: an AMD Zen 5 core runs
AVX-512's 16-float multiply-adds at full width, a Zen 4 core runs them as two 8-float halves, and
gym's matrix products peak at about twice the GFLOP/s on the first (`gym bench-kernels`). A
virtual machine often names its CPU only "AMD EPYC", so the family and model numbers are
decoded here into the core's design where they are known.
"""
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


if __name__ == "__main__":
    import sys
    # scripts/machine.py [CPUINFO]: another cpuinfo file than this machine's (the tests' fixtures).
    print(describe(*sys.argv[1:2]))

"""Reads a JMH JSON result file; prints CPU microseconds per call for every benchmark and the floor ratios.

Each benchmark reports the secondary results cpuNanos and calls (see CpuTime.java); CPU per call is
their quotient. Used by bin/bench.
"""
import json
import sys

rows = {}
for r in json.load(open(sys.argv[1])):
    name = r["benchmark"].rsplit(".", 2)
    bench = name[-2] + "." + name[-1]
    params = ",".join(f"{v}" for v in (r.get("params") or {}).values())
    sec = r.get("secondaryMetrics", {})
    if "cpuNanos" not in sec or not sec["calls"]["score"]:
        continue
    us = sec["cpuNanos"]["score"] / sec["calls"]["score"] / 1000.0
    rows[(bench, params)] = (us, r["primaryMetric"]["score"])

print()
print(f"{'CPU per call (thread CPU time)':44} {'params':10} {'cpu_us':>10} {'wall_us':>10}")
for (bench, params), (us, wall) in sorted(rows.items()):
    print(f"{bench:44} {params:10} {us:10.1f} {wall:10.1f}")

def cpu(bench, mix):
    return rows.get((bench, mix), (None,))[0]

print()
print(f"{'server mix':12} {'pipeline_us':>12} {'floor_us':>10} {'x floor':>8}")
ratios = {}
for mix in ("RSA", "ECC_DEVID", "ECC_EK", "ECC"):
    p, f = cpu("ServerCpuBench.pipeline", mix), cpu("ServerCpuBench.floor", mix)
    if p and f:
        ratios[mix] = p / f
        print(f"{mix:12} {p:12.1f} {f:10.1f} {p / f:8.2f}")
for prim in ("p256Verify", "p256Keygen", "p256Ecdh", "rsa2048Verify", "rsa2048OaepEncrypt"):
    j, b = cpu("PrimitivesBench." + prim, "JDK"), cpu("PrimitivesBench." + prim, "BC")
    if j and b:
        print(f"provider {prim:20} JDK {j:8.1f} us  BC {b:8.1f} us  JDK/BC {j / b:5.2f}")
out = open(sys.argv[2], "a") if len(sys.argv) > 2 else None
def ratio(name, v):
    line = f"ratio {name} {v:.2f}"
    if out:
        out.write(line + "\n")
    else:
        print(line)
if "RSA" in ratios:
    ratio("server-rsa-x-floor", ratios["RSA"])
ecc = [ratios[m] for m in ("ECC_DEVID", "ECC_EK", "ECC") if m in ratios]
if ecc:
    ratio("server-ecc-x-floor", max(ecc))

"""Runs convdyn bench and the numpy, PyTorch and JAX peers alternately, workload by workload, in
one go, and prints the figures and the ratio of convdyn to the fastest peer.

Usage (from the repository root, after Benchmarks/peers/run.sh has made the virtual environment):
    .venv-peers/bin/python Benchmarks/peers/compare.py .build/release/convdyn [--avx2] [W1 W2 W3 W5 W6 W7]

Workloads named after the binary restrict the comparison to them (default: W1, W2, W3 and W5-W7).

--avx2 keeps everyone to AVX2/FMA on a processor that also has AVX-512, to see the comparison an
AVX2-only machine would give: convdyn through CONVDYN_SIMD=avx2, OpenBLAS through
OPENBLAS_CORETYPE=Haswell, PyTorch through ATEN_CPU_CAPABILITY=avx2 and ONEDNN_MAX_CPU_ISA=AVX2,
JAX through XLA_FLAGS=--xla_cpu_max_isa=AVX2.
"""
import json, os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
convdyn = sys.argv[1]
avx2 = "--avx2" in sys.argv[2:]
workloads = [a for a in sys.argv[2:] if a != "--avx2"] or ["W1", "W2", "W3", "W5", "W6", "W7"]
env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
if avx2:
    env.update(CONVDYN_SIMD="avx2", OPENBLAS_CORETYPE="Haswell", ATEN_CPU_CAPABILITY="avx2",
               ONEDNN_MAX_CPU_ISA="AVX2", XLA_FLAGS="--xla_cpu_max_isa=AVX2")
    print("Everyone limited to AVX2/FMA (--avx2).")


def lines(cmd, extra_env=None):
    out = subprocess.run(cmd, capture_output=True, text=True, env={**env, **(extra_env or {})}, cwd=here)
    if out.returncode != 0:
        print(f"# {' '.join(cmd)} failed:\n{out.stderr[-2000:]}", file=sys.stderr)
    return [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]


rows = []
gemm = lines([sys.executable, "numpy_peer.py", "gemm"])
gemm1 = lines([sys.executable, "numpy_peer.py", "gemm"], {"OPENBLAS_NUM_THREADS": "1"})
for w in workloads:
    ours = lines([convdyn, "bench", w, "--json"])
    peers = []
    for p in ["numpy", "torch", "jax"]:
        peers += lines([sys.executable, f"{p}_peer.py", w])
    for r in ours:
        variant = r["name"].split(", ", 1)[1]
        kind = "training" if "training" in variant else "end to end"
        competing = [q for q in peers if (kind == "training") == ("training" in q["variant"])]
        best = max(competing, key=lambda q: q["value"]) if competing else None
        rows.append((w, variant, r["value"], r["unit"], competing, best))

print(f"{'workload':9} {'variant':16} {'convdyn':>12} {'numpy':>12} {'torch':>12} {'jax':>12} {'jax scan':>12} {'ratio':>7}")
for w, variant, value, unit, competing, best in rows:
    def fig(peer, scan=False):
        c = [q["value"] for q in competing if q["peer"] == peer and (("scan" in q["variant"]) == scan)]
        return f"{c[0]:12.0f}" if c else f"{'-':>12}"
    ratio = value / best["value"] if best else float("nan")
    print(f"{w:9} {variant[:16]:16} {value:12.0f} {fig('numpy')} {fig('torch')} {fig('jax')} {fig('jax', True)} {ratio:7.2f}  ({unit})")
for g in gemm1 + gemm:
    print(f"numpy/OpenBLAS {g['variant']}: {g['value']:.1f} GFLOP/s (the machine's measured peak for a large float32 GEMM)")
kernels = lines([convdyn, "bench", "kernels", "--json"])
peak = gemm[0]["value"] if gemm else float("nan")
peak1 = gemm1[0]["value"] if gemm1 else float("nan")
for k in kernels:
    one = "one core" in k["note"]
    p, what = (peak1, "one-core") if one else (peak, "all-core")
    print(f"{k['name']:42} {k['value']:7.1f} GFLOP/s  {100 * k['value'] / p:5.1f}% of the {what} OpenBLAS peak  ({k['note']})")

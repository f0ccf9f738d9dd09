#!/usr/bin/env python3
"""Hostile sweep inputs: specs too large to expand, one config field named twice, shell-unsafe
Slurm options, bad indices, torn summaries, a run held by another host's lock, damaged manifests.

`cases(work, convdyn)` writes the files under `work` (making small real sweeps with `convdyn`
where a case needs one) and returns one dict per case for Scripts/fuzz/run.py;
`python3 Scripts/fuzz/sweep.py CONVDYN` runs them standalone and prints PASS/FAIL per case.
"""
import os
import subprocess
import sys
import tempfile

SMALL = 'preset: kp-small\nseeds: 2\nset: {steps: 10, nTest: 50, schedule: "every(5)"}\ngrid:\n  M: [2]\n'


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def _sweep(work, convdyn, name, run=True):
    """A small real sweep at work/name (2 runs of 10 steps), made once."""
    out = os.path.join(work, name)
    if not os.path.exists(os.path.join(out, "sweep.json")):
        spec = _write(os.path.join(work, name + ".yaml"), SMALL)
        args = [convdyn, "sweep", spec, "--out", out, "--jobs", "1"] + ([] if run else ["--no-run"])
        subprocess.run(args, check=True, capture_output=True, timeout=120)
    return out


def cases(work, convdyn):
    os.makedirs(work, exist_ok=True)
    spec = lambda name, text: _write(os.path.join(work, name), text)  # noqa: E731
    values = "[" + ", ".join(str(v) for v in range(1, 1001)) + "]"
    fields = ["M", "K", "D", "sigma", "nTrain", "nTest", "steps", "theta", "batchSize", "learningRate"]
    out = []

    def case(name, args, exit, contains):
        out.append({"name": name, "args": args, "exit": exit, "contains": contains})

    case("sweep-seeds-billion",
         ["sweep", spec("seeds.yaml", "preset: kp-small\nseeds: 1000000000\ngrid: {M: [2]}\n"),
          "--out", os.path.join(work, "o-seeds"), "--no-run"],
         1, "seeds: 1000000000 is more than a sweep may have: at most 100000 runs")
    case("sweep-seeds-int-max",
         ["sweep", spec("seeds-max.yaml", "preset: kp-small\nseeds: 9223372036854775807\ngrid: {M: [2]}\n"),
          "--out", os.path.join(work, "o-seeds-max"), "--no-run"],
         1, "at most 100000 runs")
    case("sweep-grid-product-million",
         ["sweep", spec("grid.yaml", f"preset: kp-small\ngrid:\n  nTrain: {values}\n  nTest: {values}\n"),
          "--out", os.path.join(work, "o-grid"), "--no-run"],
         1, "make 1000000 runs; a sweep may have at most 100000")
    case("sweep-grid-product-overflow",
         ["sweep", spec("overflow.yaml", "preset: kp-small\ngrid:\n" + "".join(f"  {f}: {values}\n" for f in fields)),
          "--out", os.path.join(work, "o-overflow"), "--no-run"],
         1, "more than 9223372036854775807 runs")
    case("sweep-axis-alias-twice",
         ["sweep", spec("alias.yaml", "preset: kp-small\ngrid: {M: [2, 4], network.M: [8]}\n"),
          "--out", os.path.join(work, "o-alias"), "--no-run"],
         1, "grid fields 'M' and 'network.M' name one config field (network.M)")
    case("sweep-set-and-grid-one-field",
         ["sweep", spec("setgrid.yaml", "preset: kp-small\nset: {sigma: 0}\ngrid: {data.sigma: [0, 0.1]}\n"),
          "--out", os.path.join(work, "o-setgrid"), "--no-run"],
         1, "set field 'sigma' and grid field 'data.sigma' name one config field (data.sigma)")
    # An empty runs/ without sweep.json (left by an earlier release that failed) does not block.
    os.makedirs(os.path.join(work, "o-left", "runs"), exist_ok=True)
    case("sweep-empty-runs-left-behind",
         ["sweep", spec("left.yaml", SMALL), "--out", os.path.join(work, "o-left"), "--no-run"],
         0, "manifest written")

    slurm = _sweep(work, convdyn, "slurm-sweep", run=False)
    for name, option, value in [
        ("slurm-partition-newline", "--partition", "debug\nrm -rf ~"),
        ("slurm-partition-space", "--partition", "debug gpu"),
        ("slurm-partition-dollar", "--partition", "$(reboot)"),
        ("slurm-partition-empty", "--partition", ""),
        ("slurm-time-semicolon", "--time", "00:10:00;reboot"),
        ("slurm-time-newline", "--time", "1\n#SBATCH --mem=1T"),
    ]:
        case(name, ["sweep", "slurm", slurm, option, value], 64, option)
    case("slurm-directory-space", ["sweep", "slurm", os.path.join(work, "my sweep")], 64, "#SBATCH line")

    done = _sweep(work, convdyn, "done-sweep")
    case("sweep-run-index-past-end", ["sweep", "run", done, "--index", "2"], 1, "index 2 is outside this sweep's 0…1")
    case("sweep-run-index-negative", ["sweep", "run", done, "--index=-1"], 64, "--index must be ≥ 0")
    case("sweep-status-not-a-sweep", ["sweep", "status", work], 1, "is not a sweep directory (no sweep.json)")
    case("sweep-other-spec-same-out",
         ["sweep", spec("other.yaml", SMALL.replace("seeds: 2", "seeds: 3")), "--out", done, "--no-run"],
         1, "holds a different sweep")

    # A torn summary.json is not done: status counts it missing.
    torn = _sweep(work, convdyn, "torn-sweep")
    summary = os.path.join(torn, "runs", "000000", "summary.json")
    with open(summary, encoding="utf-8") as f:
        text = f.read()
    if text.strip().endswith("}"):
        _write(summary, text[: len(text) // 2])
    case("sweep-torn-summary-not-done", ["sweep", "status", torn], 0, "done 1, running 0, failed 0, missing 1")

    # A run held by a live process on another host (fresh heartbeat) is left to it and shown running.
    held = _sweep(work, convdyn, "held-sweep", run=False)
    _write(os.path.join(held, "runs", "000001.lock"), "node-elsewhere-17 4242 12345 abc\n")
    case("sweep-run-held-by-another-host", ["sweep", "run", held, "--index", "1"], 0, "left to it")
    case("sweep-status-held-is-running", ["sweep", "status", held], 0, "running 1")

    broken = os.path.join(work, "broken-manifest")
    _write(os.path.join(broken, "sweep.json"), '{"spec": {"preset": "kp-small", "grid": {"M": [2]}')
    os.makedirs(os.path.join(broken, "runs"), exist_ok=True)
    case("sweep-manifest-truncated", ["sweep", "status", broken], 1, "sweep.json is malformed")
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: Scripts/fuzz/sweep.py PATH/TO/convdyn")
    convdyn = os.path.abspath(sys.argv[1])
    failed = 0
    with tempfile.TemporaryDirectory(prefix="convdyn-fuzz-sweep.") as work:
        for c in cases(work, convdyn):
            try:
                p = subprocess.run([convdyn] + c["args"], cwd=c.get("cwd", work), capture_output=True,
                                   timeout=20, text=True, errors="replace")
                output = p.stdout + p.stderr
                ok = p.returncode == c["exit"] and c["contains"] in output
                why = f"exit {p.returncode}, wanted {c['exit']}: {output.strip()[-300:]!r}"
            except subprocess.TimeoutExpired:
                ok, why = False, "timed out after 20 s"
            failed += not ok
            print(f"{'PASS' if ok else 'FAIL'} {c['name']}" + ("" if ok else f": {why}"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

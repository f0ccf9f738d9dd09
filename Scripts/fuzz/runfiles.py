#!/usr/bin/env python3
"""Corrupted run directories, and runs that diverge, for the fuzz suite (issue 14).

`cases(work, convdyn)` makes one real small run with the binary, copies it once per case with one
file corrupted (or a real diverging run, or an --overwrite target), and returns the table of cases:
the convdyn arguments, the exact exit code and a substring the output must hold.

Standalone: `python3 Scripts/fuzz/runfiles.py CONVDYN_BINARY [WORKDIR]` runs every case with a 20 s
limit and prints one PASS/FAIL line per case (exit status 1 if any fails).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

SMALL_RUN = ["train", "--preset", "kp-small", "--set", "steps=20", "--quiet"]
DIVERGING = ["--preset", "kp-small", "--set", "steps=200", "--set", "loss=square"]


def _make_run(convdyn: str, out: str, extra: list[str] | None = None) -> None:
    args = [convdyn] + SMALL_RUN + (extra or []) + ["--out", out]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)


def _rewrite(path: str, change) -> None:
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(change(data))


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def cases(work: str, convdyn: str) -> list[dict]:
    os.makedirs(work, exist_ok=True)
    base = os.path.join(work, "base-run")
    if not os.path.isdir(base):
        _make_run(convdyn, base)
    out: list[dict] = []

    def corrupted(name: str, file: str | None, change, commands=("report", "show"), exit_code=1, contains=""):
        """A copy of the base run with `file` changed by `change` (bytes -> bytes, or a callable on the
        path when it returns None), one case per command."""
        d = os.path.join(work, name)
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(base, d, symlinks=True)
        if file is not None:
            path = os.path.join(d, file)
            if change is None:
                os.remove(path)
            else:
                with open(path, "rb") as f:
                    data = f.read()
                result = change(data, path)
                if result is not None:
                    with open(path, "wb") as f:
                        f.write(result)
        for command in commands:
            out.append({"name": f"{name}-{command}", "args": [command, d], "exit": exit_code, "contains": contains})

    def replace_file(path: str, make) -> None:
        os.remove(path)
        make(path)

    deep_array = b"[" * 100_000 + b"]" * 100_000
    deep_object = b'{"a":' * 100_000 + b"1" + b"}" * 100_000

    # metrics.jsonl
    corrupted("metrics-crlf", "metrics.jsonl", lambda d, p: d.replace(b"\n", b"\r\n"), exit_code=0, contains="")
    corrupted("metrics-nonutf8", "metrics.jsonl", lambda d, p: d[:40] + b"\xff\xfe\xc0" + d[40:],
              contains="not UTF-8")
    corrupted("metrics-deep-array-line", "metrics.jsonl", lambda d, p: d + deep_array + b"\n",
              contains="nested deeper")
    corrupted("metrics-deep-object-line", "metrics.jsonl", lambda d, p: d + deep_object + b"\n",
              contains="nested deeper")
    corrupted("metrics-deep-last-line-cut", "metrics.jsonl", lambda d, p: d + b"[" * 100_000,
              exit_code=0, contains="incomplete")
    corrupted("metrics-cut-last-line", "metrics.jsonl", lambda d, p: d + _lines(d)[1][:37],
              exit_code=0, contains="last line is incomplete")
    corrupted("metrics-cut-first-line", "metrics.jsonl", lambda d, p: d[:37],
              contains="holds no evaluation")
    corrupted("metrics-empty", "metrics.jsonl", lambda d, p: b"", contains="holds no evaluation")
    corrupted("metrics-only-newlines", "metrics.jsonl", lambda d, p: b"\n\n\r\n  \n", contains="holds no evaluation")
    corrupted("metrics-missing", "metrics.jsonl", None, contains="metrics.jsonl is missing")
    corrupted("metrics-is-directory", "metrics.jsonl", lambda d, p: replace_file(p, os.mkdir),
              contains="not a regular file")
    corrupted("metrics-dev-zero", "metrics.jsonl", lambda d, p: replace_file(p, lambda q: os.symlink("/dev/zero", q)),
              contains="not a regular file")
    corrupted("metrics-bad-middle-line", "metrics.jsonl",
              lambda d, p: b"\n".join([_lines(d)[0], b"{not json", *_lines(d)[1:]]),
              contains="line 2 is not valid JSON")
    corrupted("metrics-nul-bytes", "metrics.jsonl", lambda d, p: d[:20] + b"\x00" * 16 + d[20:],
              contains="line 1 is not valid JSON")
    corrupted("metrics-bom", "metrics.jsonl", lambda d, p: b"\xef\xbb\xbf" + d, exit_code=0, contains="")
    corrupted("metrics-step-string", "metrics.jsonl", lambda d, p: d.replace(b'"step":0,', b'"step":"zero",', 1),
              contains="step")
    corrupted("metrics-negative-step", "metrics.jsonl", lambda d, p: d.replace(b'"step":0,', b'"step":-5,', 1),
              contains="negative")
    corrupted("metrics-accuracy-2", "metrics.jsonl",
              lambda d, p: d.replace(b'"testAccuracy":', b'"testAccuracy":2.5,"x":', 1), contains="outside 0")
    corrupted("metrics-infinity-norm", "metrics.jsonl",
              lambda d, p: d.replace(b'"maxFilterNorm":', b'"maxFilterNorm":"Infinity","x":', 1),
              contains="field maxFilterNorm is Infinity")
    corrupted("metrics-huge-number", "metrics.jsonl",
              lambda d, p: d.replace(b'"testLoss":', b'"testLoss":1e999999,"x":', 1),
              contains="field testLoss is Infinity")
    corrupted("metrics-array-line", "metrics.jsonl", lambda d, p: b"[1,2,3]\n" + d, contains="line 1")
    corrupted("metrics-missing-field", "metrics.jsonl", lambda d, p: d.replace(b'"testLoss":', b'"x":', 1),
              contains="testLoss")

    # filters.jsonl (report reads it; show reads metrics only)
    corrupted("filters-nonutf8", "filters.jsonl", lambda d, p: b"\xff" + d, commands=("report",),
              contains="not UTF-8")
    corrupted("filters-deep-line", "filters.jsonl", lambda d, p: d + deep_array + b"\n", commands=("report",),
              contains="nested deeper")
    corrupted("filters-cut-last-line", "filters.jsonl", lambda d, p: d + _lines(d)[1][:50], commands=("report",),
              exit_code=0, contains="last line is incomplete")
    corrupted("filters-crlf", "filters.jsonl", lambda d, p: d.replace(b"\n", b"\r\n"), commands=("report",),
              exit_code=0, contains="")
    corrupted("filters-wrong-m", "filters.jsonl", lambda d, p: d.replace(b'"norms":[', b'"norms":[1,', 1),
              commands=("report",), contains="not M")
    corrupted("filters-infinite-norm", "filters.jsonl", lambda d, p: d.replace(b'"norms":[', b'"norms":["Infinity",', 1),
              commands=("report",), contains="norms[0] is Infinity")
    corrupted("filters-dev-zero", "filters.jsonl",
              lambda d, p: replace_file(p, lambda q: os.symlink("/dev/zero", q)), commands=("report",),
              contains="not a regular file")

    # config.json
    corrupted("config-nonutf8", "config.json", lambda d, p: d[:10] + b"\xff" + d[10:], contains="not UTF-8")
    corrupted("config-deep", "config.json", lambda d, p: deep_object, contains="config.json")
    corrupted("config-crlf", "config.json", lambda d, p: d.replace(b"\n", b"\r\n"), exit_code=0, contains="")
    corrupted("config-empty", "config.json", lambda d, p: b"", contains="config.json")
    corrupted("config-missing", "config.json", None, contains="config.json is missing")
    corrupted("config-is-directory", "config.json", lambda d, p: replace_file(p, os.mkdir),
              contains="not a regular file")

    # summary.json
    corrupted("summary-nonutf8", "summary.json", lambda d, p: d[:10] + b"\xff" + d[10:], contains="not UTF-8")
    corrupted("summary-deep", "summary.json", lambda d, p: deep_array, contains="summary.json")
    corrupted("summary-cut", "summary.json", lambda d, p: d[: len(d) // 2], contains="summary.json")
    corrupted("summary-status-partial", "summary.json",
              lambda d, p: d.replace(b'"status": "completed"', b'"status": "partial"'), contains="status")
    corrupted("summary-status-unknown", "summary.json",
              lambda d, p: d.replace(b'"status": "completed"', b'"status": "exploded"'), contains="status")
    corrupted("summary-missing", "summary.json", None, exit_code=0, contains="partial")

    # not a run directory at all
    empty = os.path.join(work, "not-a-run")
    os.makedirs(empty, exist_ok=True)
    out.append({"name": "not-a-run-report", "args": ["report", empty], "exit": 1, "contains": "neither a run directory"})

    # Divergence: a non-finite weight ends the run as diverged (exit 0); its files hold no infinity
    # and `report` / `show` of it work and say so.
    for rate in ["1000", "1e6", "3e38"]:
        d = os.path.join(work, f"diverged-{rate}")
        shutil.rmtree(d, ignore_errors=True)
        out.append({"name": f"diverge-lr-{rate}-train",
                    "args": ["train", *DIVERGING, "--set", f"learningRate={rate}", "--quiet", "--out", d,
                             "--overwrite"],
                    "exit": 0, "contains": "diverged after"})
    diverged = os.path.join(work, "diverged-run")
    if not os.path.isdir(diverged):
        subprocess.run([convdyn, "train", *DIVERGING, "--set", "learningRate=1000", "--quiet", "--out", diverged],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    out.append({"name": "diverged-report", "args": ["report", diverged], "exit": 0, "contains": "diverged at step"})
    out.append({"name": "diverged-show", "args": ["show", diverged], "exit": 0, "contains": "diverged@"})

    # --overwrite refuses a directory holding files convdyn did not write, and replaces a run's own.
    foreign = os.path.join(work, "overwrite-foreign")
    shutil.rmtree(foreign, ignore_errors=True)
    shutil.copytree(base, foreign)
    with open(os.path.join(foreign, "notes.txt"), "w") as f:
        f.write("mine\n")
    out.append({"name": "overwrite-foreign-file", "args": SMALL_RUN + ["--out", foreign, "--overwrite"], "exit": 1,
                "contains": "notes.txt"})
    stale = os.path.join(work, "overwrite-stale")
    shutil.rmtree(stale, ignore_errors=True)
    shutil.copytree(base, stale)
    os.makedirs(os.path.join(stale, "plots"), exist_ok=True)
    with open(os.path.join(stale, "plots", "old.svg"), "w") as f:
        f.write("<svg/>")
    with open(os.path.join(stale, "report.html"), "w") as f:
        f.write("<html></html>")
    out.append({"name": "overwrite-stale-run", "args": SMALL_RUN + ["--out", stale, "--overwrite"], "exit": 0,
                "contains": ""})
    return out


def _run_case(case: dict, convdyn: str, limit: float = 20.0, rss_mb: float = 300.0) -> tuple[bool, str]:
    """Runs one case: exact exit code, no signal, the substring, within `limit` seconds and the case's
    peak-RSS bound (`rss_mb`, default 300 MB)."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as output:
        proc = subprocess.Popen([convdyn, *case["args"]], cwd=case.get("cwd"), stdout=output, stderr=subprocess.STDOUT)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > limit:
                proc.kill()
                os.wait4(proc.pid, 0)
                return False, f"no exit within {limit:.0f} s"
            time.sleep(0.01)
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    seconds = time.monotonic() - start
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    bound = case.get("rss_mb", rss_mb)
    if os.WIFSIGNALED(status):
        return False, f"signal {os.WTERMSIG(status)}: {text[-300:]}"
    code = os.WEXITSTATUS(status)
    if code != case["exit"]:
        return False, f"exit {code}, expected {case['exit']}: {text[-300:]}"
    if case["contains"] not in text:
        return False, f"output lacks {case['contains']!r}: {text[-300:]}"
    if peak > bound:
        return False, f"peak RSS {peak:.0f} MB over {bound:.0f} MB"
    return True, f"exit {code} in {seconds:.1f} s, peak RSS {peak:.0f} MB"


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: runfiles.py CONVDYN_BINARY [WORKDIR]", file=sys.stderr)
        return 64
    convdyn = os.path.abspath(sys.argv[1])
    work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="fuzz-runfiles-")
    failures = 0
    for case in cases(work, convdyn):
        ok, detail = _run_case(case, convdyn)
        failures += not ok
        print(f"{'PASS' if ok else 'FAIL'} {case['name']}: {detail}")
    print(f"{failures} of the cases failed; files in {work}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

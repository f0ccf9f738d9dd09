#!/usr/bin/env python3
"""The fuzz suite: hostile inputs against a release binary of convdyn.

    python3 Scripts/fuzz/run.py CONVDYN [MODULE ...]

Every other module in this folder is a generator: `cases(work, convdyn)` writes its files under `work` and
returns one dict per case: name, args (convdyn's arguments, no shell), exit (an exit code, or a list of the
allowed ones), contains (a substring of stdout+stderr, optional), and optionally cwd, timeout (seconds),
rss_mb (peak resident memory bound), env (extra environment variables), absent (a path, or a list, that must
not exist afterwards: a refused input leaves nothing) and kept (paths that must still exist: nothing already
written is lost).

Each case runs in its own process and is judged on: no signal, no hang (its time limit), peak RSS under its
bound (measured by wait4 for that process alone), the exact exit code and the message. The last line sums up:
inputs tried, clear errors, and crashes, hangs, memory blow-ups and wrong answers (each must be 0).
Docs/Reliability.md states the bounds and the latest counts.
"""

import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import time

DEFAULT_TIMEOUT = 20.0
DEFAULT_RSS_MB = 300
HERE = os.path.dirname(os.path.abspath(__file__))


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_case(convdyn, case, work):
    """Runs one case; returns (verdict, detail, seconds, rss_mb, exit code or signal text)."""
    out_path = os.path.join(work, ".case-output")
    env = dict(os.environ)
    env.update(case.get("env", {}))
    limit = case.get("timeout", DEFAULT_TIMEOUT)
    with open(out_path, "wb") as out:
        start = time.monotonic()
        process = subprocess.Popen(
            [convdyn] + case["args"], cwd=case.get("cwd", work), stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        status, usage, hung = None, None, False
        while True:
            pid, wait_status, rusage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                status, usage = wait_status, rusage
                break
            if time.monotonic() - start > limit:
                hung = True
                os.killpg(process.pid, signal.SIGKILL)
                _, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        process.returncode = 0  # reaped by wait4 above
        seconds = time.monotonic() - start
    text = open(out_path, "rb").read().decode("utf-8", "replace")
    rss_mb = usage.ru_maxrss / 1024
    if hung:
        return "HANG", f"still running after {limit:.0f} s", seconds, rss_mb, "killed"
    if os.WIFSIGNALED(status):
        sig = signal.Signals(os.WTERMSIG(status)).name
        return "CRASH", f"{sig}; output ends: {text[-300:]!r}", seconds, rss_mb, sig
    code = os.WEXITSTATUS(status)
    bound = case.get("rss_mb", DEFAULT_RSS_MB)
    if rss_mb > bound:
        return "MEMORY", f"peak RSS {rss_mb:.0f} MB > {bound} MB", seconds, rss_mb, code
    allowed = case["exit"] if isinstance(case["exit"], list) else [case["exit"]]
    if code not in allowed:
        return "WRONG", f"exit {code}, expected {allowed}; output: {text[-400:]!r}", seconds, rss_mb, code
    wanted = case.get("contains")
    if wanted and wanted not in text:
        return "WRONG", f"message lacks {wanted!r}; output: {text[-400:]!r}", seconds, rss_mb, code
    if code != 0 and "error" not in text.lower():
        return "WRONG", f"exit {code} without an error message: {text[-300:]!r}", seconds, rss_mb, code
    absent = case.get("absent", [])
    for path in absent if isinstance(absent, list) else [absent]:
        if os.path.lexists(path):
            return "WRONG", f"{path} exists after the case (a refused input must leave nothing)", seconds, rss_mb, code
    for path in case.get("kept", []):
        if not os.path.lexists(path):
            return "WRONG", f"{path} was removed (nothing already written may be lost)", seconds, rss_mb, code
    if code != 0 and "Fatal error" in text:
        return "CRASH", f"Swift runtime error: {text[-300:]!r}", seconds, rss_mb, code
    return "PASS", "", seconds, rss_mb, code


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 64
    convdyn = os.path.abspath(sys.argv[1])
    names = sys.argv[2:] or sorted(
        f[:-3] for f in os.listdir(HERE) if f.endswith(".py") and f not in ("run.py", "common.py"))
    tally = {"PASS": 0, "WRONG": 0, "CRASH": 0, "HANG": 0, "MEMORY": 0}
    errors = 0
    with tempfile.TemporaryDirectory(prefix="convdyn-fuzz-") as root:
        for name in names:
            work = os.path.join(root, name)
            os.makedirs(work)
            cases = load(name).cases(work, convdyn)
            seen = set()
            for case in cases:
                assert case["name"] not in seen, f"{name}: case {case['name']} twice"
                seen.add(case["name"])
                verdict, detail, seconds, rss_mb, code = run_case(convdyn, case, work)
                tally[verdict] += 1
                if verdict == "PASS" and code != 0:
                    errors += 1
                line = f"{verdict:6} {name}/{case['name']}  exit {code}, {seconds:.2f} s, {rss_mb:.0f} MB"
                print(line + (f"  — {detail}" if detail else ""), flush=True)
    tried = sum(tally.values())
    print(f"{tried} inputs tried: {tally['PASS']} as expected ({errors} of them clear errors), "
          f"{tally['CRASH']} crashes, {tally['HANG']} hangs, {tally['MEMORY']} memory blow-ups, "
          f"{tally['WRONG']} wrong exit codes or messages")
    return 0 if tally["PASS"] == tried else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Independent float64 reproduction of convdyn's `kp-bench` run, for the golden fixture.

What it reproduces (SPEC §1-§5, Docs/Metrics.md): the `kp-bench` preset — key-pattern data with a
one-hot basis, D=64, K=16, P=32, key {0} for class +1 and {1} for class -1, commons 2..31, one key
per example, N(0, 0.05²) noise on every coordinate, an online training stream and a test set of
2000 examples (the fixture measures the first 500 of them, see FIXTURE_N_TEST); the network of
M=32 ReLU filters with global max pooling (gradient to the first arg-max position only), a fixed
read-out ±1/M (the first M/2 filters +1/M), filters initialised N(0, 0.01²); hinge loss, SGD with
batch 1 and η = 0.5, 1000 steps — for the given seeds, drawing every random number from the same
seeded streams as convdyn (SPEC §4): xoshiro256** seeded through SplitMix64 from (seed, purpose),
uniforms from the top 53 bits, Lemire's bounded integers, partial Fisher-Yates for the key
position, and the 256-layer ziggurat for Gaussians (its table built the same way), in the same
order of draws (init stream: the M×D filter entries row by row; test stream: the test examples;
train stream: one example per step; per example: the label, the key position, the common pattern
of every other patch, then the noise patch by patch, coordinate by coordinate).

Only the random streams and their order of draws are taken from convdyn's code; the data model,
forward pass, hinge gradient, update and measures are written here from the SPEC's formulas and
Docs/Metrics.md, share no code with convdyn, and are computed in float64 (convdyn stores and
computes in float32). So the fixture checks convdyn's whole training run against an independent
implementation. The two agree to float32 rounding along the whole run (largest relative deviation
about 6e-6 for the test loss, under 1e-6 for the rest, seeds 0-3, every 10 steps up to 1000; see
Docs/Testing.md), so the fixture includes the last step.

Regenerate the fixture (numpy only, about a minute), from the repository root:

    python3 Benchmarks/peers/golden_kp_bench.py --out Tests/ExperimentsTests/Fixtures/golden-kp-bench.json

`--seed N --compare DIR` instead runs the full preset (2000 test examples, evaluated every 10
steps up to 1000; `--every`, `--steps` change that) and prints the deviation of every metric from
a convdyn run directory made by `convdyn train --preset kp-bench --seed N --out DIR`, evaluation by
evaluation, then the largest absolute and relative deviations: that is how the tolerances and
steps were chosen.
"""
import argparse
import json
import math
import sys

import numpy as np

MASK = (1 << 64) - 1

# Streams (SPEC §4): purpose codes.
PURPOSE_INIT, PURPOSE_TRAIN, PURPOSE_TEST = 2, 3, 4

# The kp-bench preset (SPEC §5).
K, D, P, M = 16, 64, 32, 32
KEY_POS, KEY_NEG = [0], [1]
COMMONS = list(range(2, P))
SIGMA = 0.05
INIT_STD = 0.01
ETA = 0.5
N_TEST = 2000
THETA = 0.9

# The fixture measures the test loss and accuracy on the first FIXTURE_N_TEST of the preset's test
# examples (the test set is drawn example by example from its own stream, so these are exactly the
# first 500 of the preset's 2000, and training does not depend on the test set): a debug build
# evaluates 2000 examples in about 0.65 s, and the test evaluates 10 times.
FIXTURE_N_TEST = 500

# The steps stored in the fixture: those of convdyn's schedule `log(5)` over 1000 steps (the test
# runs the preset with that schedule): the initial state, the first update, early learning, the
# key filters formed, and the end of the run. float32 (convdyn) and float64 (here) agree along the
# whole run (see Docs/Testing.md), so the end of the run is included.
FIXTURE_STEPS = [0, 1, 10, 100, 1000]
FIXTURE_SEEDS = [0, 1]


def splitmix64(state):
    """One SplitMix64 step: (new state, output)."""
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class Ziggurat:
    """The 256-layer ziggurat of the standard normal (Marsaglia & Tsang 2000): x[0] = v/f(r),
    x[1] = r, x[i] = sqrt(-2 log(v/x[i-1] + f(x[i-1]))), x[256] = 0; f = exp(-x²/2)."""

    R = 3.6541528853610088
    V = 0.00492867323399

    def __init__(self):
        x = [0.0] * 257
        x[0] = self.V / math.exp(-0.5 * self.R * self.R)
        x[1] = self.R
        for i in range(2, 256):
            x[i] = math.sqrt(-2 * math.log(self.V / x[i - 1] + math.exp(-0.5 * x[i - 1] * x[i - 1])))
        x[256] = 0.0
        self.x = x
        self.f = [math.exp(-0.5 * v * v) for v in x]
        self.ratio = [x[i + 1] / x[i] for i in range(256)]


ZIG = Ziggurat()


class Stream:
    """xoshiro256** (Blackman & Vigna 2018), seeded as convdyn seeds its streams."""

    def __init__(self, seed, purpose):
        _, a = splitmix64(seed & MASK)
        state = a ^ ((purpose * 0xD1B54A32D192ED03) & MASK)
        s = []
        for _ in range(4):
            state, out = splitmix64(state)
            s.append(out)
        if s[0] | s[1] | s[2] | s[3] == 0:
            s[0] = 1
        self.s = s

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (rotl((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def uniform(self):
        """Uniform in [0, 1) from the top 53 bits."""
        return (self.next() >> 11) * 2.0**-53

    def index(self, n):
        """Uniform integer below n: Lemire's multiply-and-reject."""
        m = self.next() * n
        low = m & MASK
        if low < n:
            threshold = ((1 << 64) - n) % n
            while low < threshold:
                m = self.next() * n
                low = m & MASK
        return m >> 64

    def distinct(self, count, n):
        """`count` distinct indices below n, by a partial Fisher-Yates on 0..<n."""
        scratch = list(range(n))
        for i in range(count):
            j = i + self.index(n - i)
            scratch[i], scratch[j] = scratch[j], scratch[i]
        return scratch[:count]

    def gaussian(self):
        """Standard normal by the ziggurat: layer from the low 8 bits, a signed uniform from the
        top 53, exact rejection otherwise, Marsaglia's exponential method beyond r."""
        zx, f, ratio = ZIG.x, ZIG.f, ZIG.ratio
        while True:
            bits = self.next()
            i = bits & 0xFF
            u = 2 * ((bits >> 11) * 2.0**-53) - 1
            x = u * zx[i]
            if abs(u) < ratio[i]:
                return x
            if i == 0:
                return self._tail(u < 0)
            if f[i + 1] + (f[i] - f[i + 1]) * self.uniform() < math.exp(-0.5 * x * x):
                return x

    def _tail(self, negative):
        r = ZIG.R
        while True:
            x = math.log(1 - self.uniform()) / r
            y = math.log(1 - self.uniform())
            if -2 * y >= x * x:
                return x - r if negative else r - x


def example(rng):
    """One kp-bench example (x [K, D] float64, y in {-1, +1}) in convdyn's order of draws."""
    y = 1 if rng.uniform() < 0.5 else -1
    keys = KEY_POS if y == 1 else KEY_NEG
    x = np.zeros((K, D))
    (position,) = rng.distinct(1, K)
    x[position, keys[0] if len(keys) == 1 else keys[rng.index(len(keys))]] = 1.0
    for i in range(K):
        if i != position:
            x[i, COMMONS[rng.index(len(COMMONS))]] = 1.0
    noise = [rng.gaussian() for _ in range(K * D)]
    x += SIGMA * np.array(noise).reshape(K, D)
    return x, y


def initial_network(seed):
    rng = Stream(seed, PURPOSE_INIT)
    w = INIT_STD * np.array([rng.gaussian() for _ in range(M * D)]).reshape(M, D)
    a = np.where(np.arange(M) < M // 2, 1.0, -1.0) / M
    return w, a


def outputs(w, a, xs):
    """f(x) = Σ_j a_j max_i relu(<w_j, x_i>) for xs [N, K, D]."""
    return np.maximum(xs @ w.T, 0).max(axis=1) @ a


def sgd_step(w, a, x, y):
    """One hinge SGD step on one example: ∂ℓ/∂w_j = -y 1[yf < 1] a_j 1[s_{i*j} > 0] x_{i*},
    i* the first arg max of relu(s_{ij}) over i."""
    s = x @ w.T  # [K, M]
    h = np.maximum(s, 0)
    best = h.argmax(axis=0)  # first arg max
    f = float(h[best, np.arange(M)] @ a)
    if y * f < 1:
        active = s[best, np.arange(M)] > 0
        grad = (-y * a * active)[:, None] * x[best]
        w = w - ETA * grad
    return w


def measures(w, a, xs, ys):
    """The fixture's metrics (Docs/Metrics.md), for the one-hot basis (pattern p = e_p)."""
    f = outputs(w, a, xs)
    predicted = np.where(f > 0, 1, -1)
    norms = np.sqrt((w * w).sum(axis=1))
    projections = w[:, :P]  # <w_j, e_p>
    cosines = np.where(norms[:, None] > 0, projections / np.where(norms > 0, norms, 1)[:, None], 0.0)
    positive = a > 0
    own_key = np.where(positive, cosines[:, KEY_POS].max(axis=1), cosines[:, KEY_NEG].max(axis=1))
    key = own_key > THETA
    best = min(
        min(cosines[positive, p].max() for p in KEY_POS), min(cosines[~positive, p].max() for p in KEY_NEG)
    )
    sq = norms**2
    total = sq.sum()
    n_key = int(key.sum())
    ratio = None
    if 0 < n_key < M and norms[~key].sum() > 0:
        ratio = float(norms[key].mean() / norms[~key].mean())
    return {
        "testAccuracy": float((predicted == ys).mean()),
        "testLoss": float(np.maximum(0, 1 - ys * f).mean()),
        "keyShare": float(sq[key].sum() / total),
        "normRatio": ratio,
        "bestKeyCosine": float(best),
        "keyMass": float((projections[:, KEY_POS + KEY_NEG] ** 2).sum() / total),
        "meanFilterNorm": float(norms.mean()),
        "maxFilterNorm": float(norms.max()),
        "filterNorms": [float(v) for v in norms],
        "keyFilterCount": n_key,
        # How far the discontinuous metrics are from flipping: the smallest |f(x)| over the test
        # set (accuracy) and the smallest |C[j, own key] - θ| over the filters (key-filter sets).
        "minAbsTestOutput": float(np.abs(f).min()),
        "minThetaDistance": float(np.abs(own_key - THETA).min()),
    }


def run(seed, steps, evaluate_at, n_test=N_TEST):
    """Trains for `steps` steps; returns {step: measures} at the steps in `evaluate_at`, with a test
    set of `n_test` examples."""
    w, a = initial_network(seed)
    test = Stream(seed, PURPOSE_TEST)
    xs, ys = zip(*(example(test) for _ in range(n_test)))
    xs, ys = np.stack(xs), np.array(ys)
    train = Stream(seed, PURPOSE_TRAIN)
    result = {}
    if 0 in evaluate_at:
        result[0] = measures(w, a, xs, ys)
    for step in range(1, steps + 1):
        x, y = example(train)
        w = sgd_step(w, a, x, y)
        if step in evaluate_at:
            result[step] = measures(w, a, xs, ys)
    return result


def compare(seed, steps, every, directory):
    """Prints the largest |Δ| of every metric against DIR/metrics.jsonl and DIR/filters.jsonl."""
    evaluate_at = set(range(0, steps + 1, every))
    ours = run(seed, steps, evaluate_at)
    theirs = {}
    for line in open(f"{directory}/metrics.jsonl"):
        m = json.loads(line)
        theirs[m["step"]] = m
    for line in open(f"{directory}/filters.jsonl"):
        m = json.loads(line)
        theirs[m["step"]]["filterNorms"] = m["norms"]
    names = [n for n in next(iter(ours.values())) if n not in ("filterNorms", "minAbsTestOutput", "minThetaDistance")]
    names.append("filterNorms")
    print("largest |ours - theirs| (and, in the last two lines, largest |ours - theirs| / |ours|) per metric")
    print("step " + " ".join(f"{n[:14]:>14}" for n in names))
    worst_abs = {n: 0.0 for n in names}
    worst_rel = {n: 0.0 for n in names}
    for step in sorted(ours):
        row = []
        for n in names:
            a, b = ours[step][n], theirs[step][n]
            if n == "filterNorms":
                pairs = list(zip(a, b))
            elif a is None or b == "NaN":
                pairs = [] if (a is None and b == "NaN") else [(0.0, float("inf"))]
            else:
                pairs = [(a, b)]
            deviation = max((abs(u - v) for u, v in pairs), default=0.0)
            relative = max((abs(u - v) / abs(u) for u, v in pairs if u != 0), default=0.0)
            worst_abs[n] = max(worst_abs[n], deviation)
            worst_rel[n] = max(worst_rel[n], relative)
            row.append(deviation)
        print(f"{step:4d} " + " ".join(f"{v:14.3e}" for v in row))
    print(" abs " + " ".join(f"{worst_abs[n]:14.3e}" for n in names))
    print(" rel " + " ".join(f"{worst_rel[n]:14.3e}" for n in names))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="write the fixture JSON here")
    parser.add_argument("--compare", metavar="DIR", help="compare with a convdyn run directory")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--every", type=int, default=10)
    args = parser.parse_args()
    if args.compare:
        compare(args.seed, args.steps, args.every, args.compare)
        return
    if not args.out:
        parser.error("give --out FILE or --compare DIR")
    fixture = {
        "about": "kp-bench (SPEC §5) reproduced independently in float64 by Benchmarks/peers/golden_kp_bench.py "
        "from convdyn's seeded streams; regenerate with: python3 Benchmarks/peers/golden_kp_bench.py "
        "--out Tests/ExperimentsTests/Fixtures/golden-kp-bench.json",
        "preset": "kp-bench",
        "overrides": ["schedule=log(5)", f"nTest={FIXTURE_N_TEST}"],
        "steps": FIXTURE_STEPS,
        "runs": [],
    }
    for seed in FIXTURE_SEEDS:
        result = run(seed, max(FIXTURE_STEPS), set(FIXTURE_STEPS), FIXTURE_N_TEST)
        evaluations = []
        for step in FIXTURE_STEPS:
            m = dict(result[step])
            del m["keyFilterCount"]
            evaluations.append({"step": step, **m})
            print(
                f"seed {seed} step {step}: min |f| over the test set {m['minAbsTestOutput']:.3e}, "
                f"min |cos - theta| {m['minThetaDistance']:.3e}",
                file=sys.stderr,
            )
        fixture["runs"].append({"seed": seed, "evaluations": evaluations})
        print(f"seed {seed} done", file=sys.stderr)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(fixture, out, indent=1, ensure_ascii=False)
        out.write("\n")


if __name__ == "__main__":
    main()

"""Shared pieces of the peer implementations: the kp-bench data model (SPEC §1) and Fashion-MNIST.

Workloads (Docs/Performance.md): W1 kp-bench SGD batch 1, 20,000 steps; W2 batch 64, 5,000 steps;
W3 one epoch of Fashion-MNIST with 32 filters 5x5, global average pooling, 32->10 read-out + bias,
softmax cross-entropy, SGD lr 0.1, batch 64. "Training only" draws a pool of 20,000 examples
beforehand and cycles through it in order; "end to end" draws fresh examples inside the loop.
W5 full-batch hinge GD on XORD (Brutzkus & Globerson 2019): 40 diverse training points of K = 8
xor2 patches (D = 2), k = 50 filters per read-out sign (M = 100, read-out ±1, init
N(0, (η√2/(16 k^1.5))²)), η = 0.01, 2000 steps without the early stop.
W6 the Kou grid (examples/kou-phase.yaml): kou-relu runs at ‖μ‖ ∈ {0.5, 1, 2, 3, 5} × D ∈ {100, 200,
400, 1000} × 10 seeds (200 runs). Each run: 20 training and 1,000 test points of K = 2 patches (y·μ,
μ = ‖μ‖e_0, at a uniform position; the other patch N(0, I) with coordinate 0 zeroed, i.e. ⊥ μ),
training labels flipped with probability 0.1; M = 20 ReLU filters, init N(0, 0.01²), mean pooling,
read-out ±0.1 fixed; logistic loss, 200 full-batch GD steps of η = 0.1; evaluated every 10 steps
(21 times) on the test set (accuracy against the true labels) and the training set (loss and
accuracy), as convdyn's sweep runs are (convdyn also computes its signal and noise measures there).
W7 tc-quadratic (Tan & Chen 2021): x ~ N(0, I_10), target t = (u_1.x)^2 + (u_2.x)^2 with orthonormal
u_r; f(x) = sum_j a_j (w_j.x)^2 with M = 4, w and a trained from N(0, 0.1^2); square loss
(f - t)^2 / 2, SGD B = 256, eta = 1e-3, 20,000 steps. "Training only" cycles through a pool of
256 batches (65,536 examples) drawn beforehand; "end to end" draws every batch fresh (5,000 steps).
The peers also print the final test loss on 2,000 fresh examples relative to its start.
"""
import gzip, json, os, sys, time
import numpy as np

K, D, P, M, SIGMA, ETA = 16, 64, 32, 32, 0.05, 0.5


def sample(rng, n):
    """n kp-bench examples [n, K, D] (float32) and labels in {-1, +1}."""
    y = rng.choice(np.array([-1, 1]), size=n)
    x = np.zeros((n, K, D), np.float32)
    common = rng.integers(2, P, size=(n, K))
    x[np.arange(n)[:, None], np.arange(K)[None, :], common] = 1
    pos = rng.integers(0, K, size=n)
    x[np.arange(n), pos, :] = 0
    x[np.arange(n), pos, np.where(y == 1, 0, 1)] = 1
    x += SIGMA * rng.standard_normal(x.shape, dtype=np.float32)
    return x, y.astype(np.float32)


def init(rng):
    w = (0.01 * rng.standard_normal((M, D))).astype(np.float32)
    a = (np.where(np.arange(M) < M // 2, 1.0, -1.0) / M).astype(np.float32)
    return w, a


XORD_K, XORD_D, XORD_N, XORD_HALF, XORD_ETA, XORD_STEPS = 8, 2, 40, 50, 0.01, 2000
XOR2 = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], np.float32)


def xord_sample(rng, n=XORD_N):
    """n diverse XORD points [n, K, 2] (float32) and labels: y = +1 points hold all four xor2
    patterns, y = -1 points only the negative ones (2, 3), both of them."""
    xs, ys = [], []
    while len(ys) < n:
        y = rng.choice([-1, 1])
        c = rng.integers(0, 4, XORD_K) if y == 1 else rng.integers(2, 4, XORD_K)
        if len(set(c.tolist())) == (4 if y == 1 else 2):
            xs.append(XOR2[c])
            ys.append(y)
    return np.stack(xs), np.array(ys, np.float32)


def xord_init(rng, k=XORD_HALF):
    m = 2 * k
    w = (XORD_ETA * np.sqrt(2) / (16 * k ** 1.5) * rng.standard_normal((m, XORD_D))).astype(np.float32)
    a = np.where(np.arange(m) < k, 1.0, -1.0).astype(np.float32)
    return w, a


KOU_KEYSCALES, KOU_DS, KOU_SEEDS = (0.5, 1, 2, 3, 5), (100, 200, 400, 1000), 10
KOU_K, KOU_M, KOU_N, KOU_NTEST, KOU_FLIP, KOU_ETA, KOU_STEPS, KOU_EVERY = 2, 20, 20, 1000, 0.1, 0.1, 200, 10


def kou_sample(rng, n, key_scale, d):
    """n signal-and-noise points [n, 2, d] (float32), true labels y and observed labels."""
    y = rng.choice(np.array([-1.0, 1.0], np.float32), size=n)
    pos = rng.integers(0, KOU_K, size=n)
    x = rng.standard_normal((n, KOU_K, d), dtype=np.float32)
    x[:, :, 0] = 0
    x[np.arange(n), pos, :] = 0
    x[np.arange(n), pos, 0] = y * key_scale
    observed = np.where(rng.random(n) < KOU_FLIP, -y, y).astype(np.float32)
    return x, y, observed


def kou_init(rng, d):
    w = (0.01 * rng.standard_normal((KOU_M, d))).astype(np.float32)
    a = np.where(np.arange(KOU_M) < KOU_M // 2, 0.1, -0.1).astype(np.float32)
    return w, a


def kou_grid():
    """The W6 runs: (key scale, D, seed)."""
    return [(k, d, s) for k in KOU_KEYSCALES for d in KOU_DS for s in range(KOU_SEEDS)]


TC_D, TC_RANK, TC_M, TC_B, TC_ETA, TC_STEPS, TC_POOL = 10, 2, 4, 256, 1e-3, 20000, 256


def tc_teacher(rng):
    """The two orthonormal teacher directions [2, D] (QR of a Gaussian matrix)."""
    q, _ = np.linalg.qr(rng.standard_normal((TC_D, TC_RANK)))
    return q.T.astype(np.float32)


def tc_sample(rng, u, n):
    """n examples x [n, D] (float32) and targets t = sum_r (u_r.x)^2."""
    x = rng.standard_normal((n, TC_D), dtype=np.float32)
    return x, ((x @ u.T) ** 2).sum(axis=1).astype(np.float32)


def tc_init(rng):
    return (0.1 * rng.standard_normal((TC_M, TC_D))).astype(np.float32), \
        (0.1 * rng.standard_normal(TC_M)).astype(np.float32)


def tc_loss(w, a, x, t):
    """Mean of (f - t)^2 / 2 in float64 (for the reported test-loss ratio)."""
    f = ((x.astype(np.float64) @ np.asarray(w, np.float64).T) ** 2) @ np.asarray(a, np.float64)
    return float(np.mean((f - t) ** 2) / 2)


def report_tc(peer, train, end_to_end_steps=5000):
    """Runs W7 with `train(pregenerated, steps) -> (seconds, w, a, test_x, test_t, start_loss)`
    and reports both variants."""
    for pre, steps in ((True, TC_STEPS), (False, end_to_end_steps)):
        sec, w, a, tx, tt, start = train(pre, steps)
        report(peer, "W7", "training only" if pre else "end to end", steps / sec, "steps/s", sec,
               test_loss_ratio=tc_loss(w, a, tx, tt) / start)


def fashion(split):
    base = "/usr/share/datasets/fashion-mnist"
    prefix = "train" if split == "train" else "t10k"
    with gzip.open(f"{base}/{prefix}-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28).astype(np.float32) / 255
    with gzip.open(f"{base}/{prefix}-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    return images, labels


def report(peer, workload, variant, value, unit, seconds, **extra):
    print(json.dumps(dict(peer=peer, workload=workload, variant=variant, value=value, unit=unit, seconds=seconds, **extra)), flush=True)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def report_synthetic(peer, which, synthetic):
    """Runs W1 or W2 with `synthetic(batch, steps, pregenerated) -> seconds` and reports both
    variants (end to end with a quarter of the steps)."""
    batch, steps = (1, 20000) if which == "W1" else (64, 5000)
    for pre in (True, False):
        n = steps if pre else steps // 4
        sec = synthetic(batch, n, pre)
        report(peer, which, "training only" if pre else "end to end", n * batch / sec,
               "steps/s" if batch == 1 else "examples/s", sec)

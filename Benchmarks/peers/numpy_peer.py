"""numpy peer of W1-W3 and W5-W7 (vectorised, float32)."""
import os
import sys
import numpy as np
from common import *


def w1(pregenerated, steps=20000):
    rng = np.random.default_rng(0)
    w, a = init(rng)
    pool = sample(rng, 20000) if pregenerated else None
    cols = np.arange(M)

    def run():
        nonlocal w
        for t in range(steps):
            if pregenerated:
                x, y = pool[0][t % 20000], pool[1][t % 20000]
            else:
                xs, ys = sample(rng, 1)
                x, y = xs[0], ys[0]
            s = x @ w.T
            i = s.argmax(axis=0)
            top = s[i, cols]
            f = np.maximum(top, 0) @ a
            if y * f < 1:
                g = -y * a * (top > 0)
                w -= ETA * g[:, None] * x[i]
    _, sec = timed(run)
    return steps / sec, sec


def w2(pregenerated, steps=5000, batch=64):
    rng = np.random.default_rng(0)
    w, a = init(rng)
    pool = sample(rng, 20000) if pregenerated else None
    n_idx = np.arange(batch)[:, None]

    def run():
        nonlocal w
        for t in range(steps):
            if pregenerated:
                lo = (t * batch) % 20000
                x, y = pool[0][lo:lo + batch], pool[1][lo:lo + batch]
                if len(y) < batch:
                    x, y = np.concatenate([x, pool[0][:batch - len(y)]]), np.concatenate([y, pool[1][:batch - len(y)]])
            else:
                x, y = sample(rng, batch)
            s = x @ w.T                                   # [B, K, M]
            i = s.argmax(axis=1)                          # [B, M]
            top = np.take_along_axis(s, i[:, None, :], axis=1)[:, 0, :]
            f = np.maximum(top, 0) @ a
            coef = np.where(y * f < 1, -y, 0.0)[:, None] * a[None, :] * (top > 0) / batch
            xsel = x[n_idx, i]                            # [B, M, D]
            w -= ETA * np.einsum("nj,njd->jd", coef, xsel)
    _, sec = timed(run)
    return steps * batch / sec, sec


def w5(steps=XORD_STEPS):
    """Full-batch hinge GD on the 40 XORD points; like W1, a step whose margins are all >= 1 skips
    the (zero) update. Returns (steps/s, seconds, steps with a nonzero gradient)."""
    rng = np.random.default_rng(0)
    w, a = xord_init(rng)
    x, y = xord_sample(rng)
    n_idx = np.arange(len(y))[:, None]
    active = 0

    def run():
        nonlocal w, active
        for _ in range(steps):
            s = x @ w.T                                   # [N, K, M]
            i = s.argmax(axis=1)                          # [N, M]
            top = np.take_along_axis(s, i[:, None, :], axis=1)[:, 0, :]
            f = np.maximum(top, 0) @ a
            live = y * f < 1
            if live.any():
                active += 1
                coef = np.where(live, -y, 0.0)[:, None] * a[None, :] * (top > 0) / len(y)
                w -= XORD_ETA * np.einsum("nj,njd->jd", coef, x[n_idx, i]).astype(np.float32)
    _, sec = timed(run)
    return steps / sec, sec, active


def w3():
    from numpy.lib.stride_tricks import sliding_window_view
    rng = np.random.default_rng(0)
    images, labels = fashion("train")
    timages, tlabels = fashion("test")
    bound = 1 / 5.0
    w = rng.uniform(-bound, bound, (32, 25)).astype(np.float32)
    b = np.zeros(32, np.float32)
    A = rng.uniform(-1 / np.sqrt(32), 1 / np.sqrt(32), (10, 32)).astype(np.float32)
    beta = np.zeros(10, np.float32)
    order = rng.permutation(len(labels))

    def patches(batch):
        return sliding_window_view(batch, (5, 5), axis=(1, 2)).reshape(len(batch), 576, 25)

    def forward(x):
        s = patches(x) @ w.T + b                      # [B, 576, 32]
        r = np.maximum(s, 0)
        h = r.mean(axis=1)
        return s, h, h @ A.T + beta

    def run():
        nonlocal w, b, A, beta
        for lo in range(0, len(order), 64):
            idx = order[lo:lo + 64]
            x, y = images[idx], labels[idx]
            n = len(idx)
            s, h, f = forward(x)
            p = np.exp(f - f.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(n), y] -= 1
            g = p / n                                     # dL/df
            dA, dbeta = g.T @ h, g.sum(0)
            dh = g @ A                                    # [B, 32]
            ds = (dh[:, None, :] / 576) * (s > 0)         # [B, 576, 32]
            xp = patches(x)
            dw = np.einsum("npj,npd->jd", ds, xp, optimize=True)
            w -= 0.1 * dw; b -= 0.1 * ds.sum((0, 1)); A -= 0.1 * dA; beta -= 0.1 * dbeta
    _, sec = timed(run)
    acc = np.mean(np.concatenate([forward(timages[i:i + 1000])[2].argmax(1) for i in range(0, 10000, 1000)]) == tlabels)
    return len(order) / sec, sec, float(acc)


def w6_run(key_scale, d, seed):
    """One W6 run; returns the final test accuracy."""
    rng = np.random.default_rng(seed)
    w, a = kou_init(rng, d)
    x, _, yo = kou_sample(rng, KOU_N, key_scale, d)
    tx, ty, _ = kou_sample(rng, KOU_NTEST, key_scale, d)

    def f(w, x):
        s = x @ w.T                                       # [N, K, M]
        return s, np.maximum(s, 0).mean(axis=1) @ a

    acc = 0.0
    for t in range(KOU_STEPS + 1):
        if t % KOU_EVERY == 0:
            acc = float(np.mean(np.sign(f(w, tx)[1]) == ty))
            _, out = f(w, x)
            _ = (np.logaddexp(0, -yo * out).mean(), np.mean(np.sign(out) == yo))
        if t == KOU_STEPS:
            break
        s, out = f(w, x)
        g = -yo / (1 + np.exp(yo * out)) / KOU_N          # dL/df per point
        coef = g[:, None, None] * (s > 0) * a[None, None, :] / KOU_K   # [N, K, M]
        w = w - KOU_ETA * np.einsum("nkm,nkd->md", coef, x).astype(np.float32)
    return acc


def w6():
    """The 200 W6 runs, one after another (numpy's BLAS may use every core within a product)."""
    accs, sec = timed(lambda: [w6_run(*r) for r in kou_grid()])
    return len(kou_grid()) / sec, sec, float(np.mean(accs))


def w7(pregenerated, steps):
    """tc-quadratic SGD with the gradients written out: s = x W^T, f = (s*s) a, r = f - t,
    da = (s*s)^T r / B, dW = 2 (r a * s)^T x / B."""
    rng = np.random.default_rng(0)
    u = tc_teacher(rng)
    w, a = tc_init(rng)
    tx, tt = tc_sample(rng, u, 2000)
    start = tc_loss(w, a, tx, tt)
    pool = tc_sample(rng, u, TC_POOL * TC_B) if pregenerated else None
    eta = np.float32(TC_ETA)

    def run():
        nonlocal w, a
        for step in range(steps):
            if pregenerated:
                lo = (step % TC_POOL) * TC_B
                x, t = pool[0][lo:lo + TC_B], pool[1][lo:lo + TC_B]
            else:
                x, t = tc_sample(rng, u, TC_B)
            s = x @ w.T
            s2 = s * s
            r = (s2 @ a - t) / TC_B
            ga = s2.T @ r
            gw = (2 * (r[:, None] * a[None, :]) * s).T @ x
            a = a - eta * ga
            w = w - eta * gw
    _, sec = timed(run)
    return sec, w, a, tx, tt, start


if __name__ == "__main__":
    which = sys.argv[1]
    if which == "W1":
        for pre in (True, False):
            v, s = w1(pre, steps=20000 if pre else 5000)
            report("numpy", "W1", "training only" if pre else "end to end", v, "steps/s", s)
    elif which == "W2":
        for pre in (True, False):
            v, s = w2(pre, steps=5000 if pre else 1000)
            report("numpy", "W2", "training only" if pre else "end to end", v, "examples/s", s)
    elif which == "W3":
        v, s, acc = w3()
        report("numpy", "W3", "training", v, "examples/s", s, test_accuracy=acc)
    elif which == "W5":
        v, s, active = w5()
        report("numpy", "W5", "training only", v, "steps/s", s, nonzero_gradient_steps=active)
    elif which == "W6":
        v, s, acc = w6()
        report("numpy", "W6", "200 runs, one process", v, "runs/s", s, mean_test_accuracy=acc)
    elif which == "W7":
        report_tc("numpy", w7)
    elif which == "gemm":
        import time
        x = np.random.rand(2048, 2048).astype(np.float32)
        x @ x
        start = time.perf_counter()
        for _ in range(5):
            x @ x
        sec = time.perf_counter() - start
        threads = os.environ.get("OPENBLAS_NUM_THREADS", "all")
        report("numpy", "gemm", f"sgemm 2048^3 (OpenBLAS, {threads} thread(s))", 2 * 2048 ** 3 * 5 / sec / 1e9, "GFLOP/s", sec)

"""JAX peer of W1-W3 and W5-W7 (CPU, jit; W1, W5 and W7 also with lax.scan over the steps; W6 as one
jitted scan over the steps, vmapped over the 10 seeds of a grid point)."""
import sys
import numpy as np
import jax
import jax.numpy as jnp
from common import *


def hinge(w, a, x, y):
    s = jax.nn.relu(x @ w.T)                              # [B, K, M]
    return jnp.mean(jnp.maximum(0.0, 1 - y * (s.max(axis=1) @ a)))


grad = jax.grad(hinge)


@jax.jit
def step(w, a, x, y):
    return w - ETA * grad(w, a, x, y)


def synthetic(batch, steps, pregenerated):
    rng = np.random.default_rng(0)
    w, a = init(rng)
    w, a = jnp.asarray(w), jnp.asarray(a)
    pool = [jnp.asarray(t) for t in sample(rng, 20000)] if pregenerated else None
    step(w, a, jnp.zeros((batch, K, D), jnp.float32), jnp.ones((batch,), jnp.float32)).block_until_ready()

    def run():
        nonlocal w
        for t in range(steps):
            if pregenerated:
                lo = (t * batch) % (20000 - batch + 1)
                x, y = pool[0][lo:lo + batch], pool[1][lo:lo + batch]
            else:
                xs, ys = sample(rng, batch)
                x, y = jnp.asarray(xs), jnp.asarray(ys)
            w = step(w, a, x, y)
        w.block_until_ready()
    _, sec = timed(run)
    return sec


def w1_scan(steps=20000):
    rng = np.random.default_rng(0)
    w, a = init(rng)
    x, y = sample(rng, 20000)
    xs, ys = jnp.asarray(x[:steps % 20000 or 20000])[:, None], jnp.asarray(y)[:, None]

    @jax.jit
    def train(w):
        def body(w, xy):
            return w - ETA * grad(w, a, xy[0], xy[1]), None
        return jax.lax.scan(body, w, (xs, ys))[0]
    train(jnp.asarray(w)).block_until_ready()
    _, sec = timed(lambda: train(jnp.asarray(w)).block_until_ready())
    return len(ys) / sec, sec


def w5(steps=XORD_STEPS, scan=False):
    """Full-batch hinge GD on the 40 XORD points: a jitted step per step, or (scan) the whole
    loop as one jitted lax.scan."""
    rng = np.random.default_rng(0)
    w, a = (jnp.asarray(t) for t in xord_init(rng))
    x, y = (jnp.asarray(t) for t in xord_sample(rng))

    @jax.jit
    def gd(w):
        return w - XORD_ETA * grad(w, a, x, y)

    @jax.jit
    def train(w):
        return jax.lax.scan(lambda w, _: (gd(w), None), w, None, length=steps)[0]

    if scan:
        train(w).block_until_ready()
        _, sec = timed(lambda: train(w).block_until_ready())
        return steps / sec, sec
    gd(w).block_until_ready()

    def run():
        v = w
        for _ in range(steps):
            v = gd(v)
        v.block_until_ready()
    _, sec = timed(run)
    return steps / sec, sec


def w3():
    images, labels = fashion("train")
    timages, tlabels = fashion("test")
    key = jax.random.PRNGKey(0)
    k1, k2 = jax.random.split(key)
    params = dict(w=jax.random.uniform(k1, (32, 1, 5, 5), minval=-0.2, maxval=0.2), b=jnp.zeros(32),
                  A=jax.random.uniform(k2, (10, 32), minval=-32 ** -0.5, maxval=32 ** -0.5), beta=jnp.zeros(10))

    def forward(p, x):
        s = jax.lax.conv_general_dilated(x, p["w"], (1, 1), "VALID") + p["b"][None, :, None, None]
        return jax.nn.relu(s).mean(axis=(2, 3)) @ p["A"].T + p["beta"]

    def loss(p, x, y):
        return -jnp.mean(jax.nn.log_softmax(forward(p, x))[jnp.arange(len(y)), y])

    @jax.jit
    def update(p, x, y):
        g = jax.grad(loss)(p, x, y)
        return jax.tree_util.tree_map(lambda q, d: q - 0.1 * d, p, g)
    order = np.random.default_rng(0).permutation(len(labels))
    x_all = images[:, None]
    update(params, jnp.asarray(x_all[:64]), jnp.asarray(labels[:64]))
    update(params, jnp.asarray(x_all[:32]), jnp.asarray(labels[:32]))

    def run():
        nonlocal params
        for lo in range(0, len(order), 64):
            idx = order[lo:lo + 64]
            params = update(params, jnp.asarray(x_all[idx]), jnp.asarray(labels[idx]))
        jax.block_until_ready(params)
    _, sec = timed(run)
    acc = float((np.asarray(jax.jit(forward)(params, jnp.asarray(timages[:, None]))).argmax(1) == tlabels).mean())
    return len(order) / sec, sec, acc


def w6():
    """The 200 W6 runs: per grid point, the 10 seeds' data drawn with numpy, then one jitted
    function (vmap over seeds of a lax.scan over the 21 evaluations and 200 steps); compiled once
    per D (4 compilations, included in the time)."""
    def f(w, a, x):
        return jax.nn.relu(x @ w.T).mean(axis=1) @ a

    def loss(w, a, x, yo):
        return jnp.mean(jax.nn.softplus(-yo * f(w, a, x)))

    g = jax.grad(loss)

    def run(w, a, x, yo, tx, ty):
        def evaluate(w):
            out = f(w, a, x)
            return jnp.mean(jnp.sign(f(w, a, tx)) == ty), jnp.mean(jax.nn.softplus(-yo * out)), jnp.mean(jnp.sign(out) == yo)

        def block(w, _):
            w = jax.lax.fori_loop(0, KOU_EVERY, lambda _, w: w - KOU_ETA * g(w, a, x, yo), w)
            return w, evaluate(w)
        first = evaluate(w)
        w, evals = jax.lax.scan(block, w, None, length=KOU_STEPS // KOU_EVERY)
        return evals[0][-1], (first, evals)

    grid = jax.jit(jax.vmap(run))

    def all_runs():
        accs = []
        for k in KOU_KEYSCALES:
            for d in KOU_DS:
                cols = [[] for _ in range(6)]
                for seed in range(KOU_SEEDS):
                    rng = np.random.default_rng(seed)
                    w, a = kou_init(rng, d)
                    x, _, yo = kou_sample(rng, KOU_N, k, d)
                    tx, ty, _ = kou_sample(rng, KOU_NTEST, k, d)
                    for c, v in zip(cols, (w, a, x, yo, tx, ty)):
                        c.append(v)
                acc, _ = grid(*(jnp.asarray(np.stack(c)) for c in cols))
                accs.append(np.asarray(acc))
        return accs
    accs, sec = timed(all_runs)
    return len(kou_grid()) / sec, sec, float(np.mean(np.concatenate(accs)))


def tc_objective(p, x, t):
    w, a = p
    return 0.5 * jnp.mean((((x @ w.T) ** 2) @ a - t) ** 2)


tc_grad = jax.grad(tc_objective)


@jax.jit
def tc_step(p, x, t):
    return jax.tree_util.tree_map(lambda v, g: v - TC_ETA * g, p, tc_grad(p, x, t))


def w7(pregenerated, steps, scan=False):
    """tc-quadratic SGD: a jitted step per step, or (scan, pool only) the whole loop as one jitted
    lax.scan over the pool's batches."""
    rng = np.random.default_rng(0)
    u = tc_teacher(rng)
    w0, a0 = tc_init(rng)
    tx, tt = tc_sample(rng, u, 2000)
    start = tc_loss(w0, a0, tx, tt)
    p = (jnp.asarray(w0), jnp.asarray(a0))
    pool = [jnp.asarray(v) for v in tc_sample(rng, u, TC_POOL * TC_B)] if pregenerated else None
    if scan:
        xs = pool[0].reshape(TC_POOL, TC_B, TC_D)
        ts = pool[1].reshape(TC_POOL, TC_B)

        @jax.jit
        def train(p):
            def epoch(p, _):
                return jax.lax.scan(lambda p, xt: (tc_step(p, *xt), None), p, (xs, ts))[0], None
            return jax.lax.scan(epoch, p, None, length=steps // TC_POOL)[0]
        jax.block_until_ready(train(p))
        out, sec = timed(lambda: jax.block_until_ready(train(p)))
        return sec, np.asarray(out[0]), np.asarray(out[1]), tx, tt, start
    jax.block_until_ready(tc_step(p, *tc_sample(rng, u, TC_B)))

    def run():
        q = p
        for step in range(steps):
            if pregenerated:
                lo = (step % TC_POOL) * TC_B
                x, t = pool[0][lo:lo + TC_B], pool[1][lo:lo + TC_B]
            else:
                xs_, ts_ = tc_sample(rng, u, TC_B)
                x, t = jnp.asarray(xs_), jnp.asarray(ts_)
            q = tc_step(q, x, t)
        return jax.block_until_ready(q)
    out, sec = timed(run)
    return sec, np.asarray(out[0]), np.asarray(out[1]), tx, tt, start


if __name__ == "__main__":
    which = sys.argv[1]
    if which in ("W1", "W2"):
        report_synthetic("jax", which, synthetic)
        if which == "W1":
            v, sec = w1_scan()
            report("jax", "W1", "training only (lax.scan)", v, "steps/s", sec)
    elif which == "W5":
        v, sec = w5()
        report("jax", "W5", "training only", v, "steps/s", sec)
        v, sec = w5(scan=True)
        report("jax", "W5", "training only (lax.scan)", v, "steps/s", sec)
    elif which == "W6":
        v, sec, acc = w6()
        report("jax", "W6", "200 runs, vmap over seeds", v, "runs/s", sec, mean_test_accuracy=acc)
    elif which == "W7":
        report_tc("jax", w7)
        sec, w, a, tx, tt, start = w7(True, TC_STEPS, scan=True)
        report("jax", "W7", "training only (lax.scan)", TC_STEPS / sec, "steps/s", sec,
               test_loss_ratio=tc_loss(w, a, tx, tt) / start)
    elif which == "W3":
        v, s, acc = w3()
        report("jax", "W3", "training", v, "examples/s", s, test_accuracy=acc)

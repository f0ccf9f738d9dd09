"""PyTorch peer of W1-W3 and W5-W7 (CPU, eager, autograd, torch.optim.SGD)."""
import sys
import numpy as np
import torch
from common import *

torch.set_num_threads(2)


class PatchCNN(torch.nn.Module):
    def __init__(self, w, a):
        super().__init__()
        self.w = torch.nn.Parameter(torch.from_numpy(w))
        self.register_buffer("a", torch.from_numpy(a))

    def forward(self, x):                                 # x [B, K, D]
        s = torch.relu(x @ self.w.T)                      # [B, K, M]
        return s.max(dim=1).values @ self.a               # [B]


def synthetic(batch, steps, pregenerated):
    rng = np.random.default_rng(0)
    w, a = init(rng)
    model = PatchCNN(w, a)
    opt = torch.optim.SGD(model.parameters(), lr=ETA)
    pool = [torch.from_numpy(t) for t in sample(rng, 20000)] if pregenerated else None

    def run():
        for t in range(steps):
            if pregenerated:
                lo = (t * batch) % (20000 - batch + 1)
                x, y = pool[0][lo:lo + batch], pool[1][lo:lo + batch]
            else:
                xs, ys = sample(rng, batch)
                x, y = torch.from_numpy(xs), torch.from_numpy(ys)
            loss = torch.clamp(1 - y * model(x), min=0).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    _, sec = timed(run)
    return sec


def w5(steps=XORD_STEPS):
    """Full-batch hinge GD on the 40 XORD points (a full autograd step every step)."""
    rng = np.random.default_rng(0)
    model = PatchCNN(*xord_init(rng))
    x, y = (torch.from_numpy(t) for t in xord_sample(rng))
    opt = torch.optim.SGD(model.parameters(), lr=XORD_ETA)

    def run():
        for _ in range(steps):
            loss = torch.clamp(1 - y * model(x), min=0).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    _, sec = timed(run)
    return steps / sec, sec


def w3():
    torch.manual_seed(0)
    images, labels = fashion("train")
    timages, tlabels = fashion("test")
    x_all, y_all = torch.from_numpy(images)[:, None], torch.from_numpy(labels)
    conv = torch.nn.Conv2d(1, 32, 5)
    head = torch.nn.Linear(32, 10)
    params = list(conv.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=0.1)
    order = torch.from_numpy(np.random.default_rng(0).permutation(len(labels)))

    def forward(x):
        return head(torch.relu(conv(x)).mean(dim=(2, 3)))

    def run():
        for lo in range(0, len(order), 64):
            idx = order[lo:lo + 64]
            loss = torch.nn.functional.cross_entropy(forward(x_all[idx]), y_all[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    _, sec = timed(run)
    with torch.no_grad():
        acc = (forward(torch.from_numpy(timages)[:, None]).argmax(1).numpy() == tlabels).mean()
    return len(order) / sec, sec, float(acc)


def w6_run(key_scale, d, seed):
    """One W6 run (autograd step, evaluation under no_grad); returns the final test accuracy."""
    rng = np.random.default_rng(seed)
    w, a = kou_init(rng, d)
    x, _, yo = (torch.from_numpy(t) for t in kou_sample(rng, KOU_N, key_scale, d))
    tx, ty, _ = (torch.from_numpy(t) for t in kou_sample(rng, KOU_NTEST, key_scale, d))
    w = torch.from_numpy(w).requires_grad_()
    a = torch.from_numpy(a)

    def f(x):
        return torch.relu(x @ w.T).mean(dim=1) @ a

    opt = torch.optim.SGD([w], lr=KOU_ETA)
    acc = 0.0
    for t in range(KOU_STEPS + 1):
        if t % KOU_EVERY == 0:
            with torch.no_grad():
                acc = float((torch.sign(f(tx)) == ty).float().mean())
                out = f(x)
                _ = (torch.nn.functional.softplus(-yo * out).mean(), (torch.sign(out) == yo).float().mean())
        if t == KOU_STEPS:
            break
        loss = torch.nn.functional.softplus(-yo * f(x)).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return acc


def w6():
    """The 200 W6 runs, one after another (2 intra-op threads)."""
    accs, sec = timed(lambda: [w6_run(*r) for r in kou_grid()])
    return len(kou_grid()) / sec, sec, float(np.mean(accs))


def w7(pregenerated, steps):
    """tc-quadratic SGD: autograd through f = (x W^T)^2 a, both layers in torch.optim.SGD. Denormals
    are flushed to zero: without it the pool variant ran at 294 steps/s instead of ~2,500 here."""
    torch.set_flush_denormal(True)
    rng = np.random.default_rng(0)
    u = tc_teacher(rng)
    w0, a0 = tc_init(rng)
    tx, tt = tc_sample(rng, u, 2000)
    start = tc_loss(w0, a0, tx, tt)
    w, a = torch.nn.Parameter(torch.from_numpy(w0)), torch.nn.Parameter(torch.from_numpy(a0))
    opt = torch.optim.SGD([w, a], lr=TC_ETA)
    pool = [torch.from_numpy(v) for v in tc_sample(rng, u, TC_POOL * TC_B)] if pregenerated else None

    def run():
        for step in range(steps):
            if pregenerated:
                lo = (step % TC_POOL) * TC_B
                x, t = pool[0][lo:lo + TC_B], pool[1][lo:lo + TC_B]
            else:
                xs, ts = tc_sample(rng, u, TC_B)
                x, t = torch.from_numpy(xs), torch.from_numpy(ts)
            loss = 0.5 * ((((x @ w.T) ** 2) @ a - t) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    _, sec = timed(run)
    return sec, w.detach().numpy(), a.detach().numpy(), tx, tt, start


if __name__ == "__main__":
    which = sys.argv[1]
    if which in ("W1", "W2"):
        report_synthetic("torch", which, synthetic)
    elif which == "W5":
        v, s = w5()
        report("torch", "W5", "training only", v, "steps/s", s)
    elif which == "W7":
        report_tc("torch", w7)
    elif which == "W6":
        v, s, acc = w6()
        report("torch", "W6", "200 runs, one process", v, "runs/s", s, mean_test_accuracy=acc)
    elif which == "W3":
        v, s, acc = w3()
        report("torch", "W3", "training", v, "examples/s", s, test_accuracy=acc)

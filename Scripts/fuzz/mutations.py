"""Random corruptions of valid inputs (seeded, so every CI run tries the same ones).

Starts from files convdyn accepts — a YAML and a JSON config, a small MNIST-format dataset (raw and gzip)
and a real run directory made by the binary — and writes copies with bytes flipped, inserted, deleted,
duplicated or truncated. Whatever the bytes, convdyn must end with exit 0 (the corruption left a valid
input) or 1 (one clear error), never with a signal, a hang or a memory blow-up; the runner checks that.
"""

import gzip
import json
import os
import random
import shutil
import struct
import subprocess

PER_KIND = 25
SEED = 20261202

YAML_CONFIG = """preset: kp-small
data:
  sigma: 0.05
network:
  M: 4
training:
  steps: 40
  learningRate: 0.5
evaluation:
  schedule: every(10)
"""


def tiny_idx_dataset(directory, side=8, train=100, test=30):
    """MNIST-format files: noise images, each class with its own bright pixel."""
    os.makedirs(directory, exist_ok=True)
    rng = random.Random(7)
    for name, count in (("train", train), ("t10k", test)):
        labels = bytes(i % 10 for i in range(count))
        pixels = bytearray(rng.randrange(30) for _ in range(count * side * side))
        for i, label in enumerate(labels):
            pixels[i * side * side + label] = 250
        images = struct.pack(">BBBBIII", 0, 0, 8, 3, count, side, side) + bytes(pixels)
        with open(f"{directory}/{name}-images-idx3-ubyte", "wb") as f:
            f.write(images)
        with open(f"{directory}/{name}-labels-idx1-ubyte", "wb") as f:
            f.write(struct.pack(">BBBBI", 0, 0, 8, 1, count) + labels)


def mutate(data, rng):
    data = bytearray(data)
    kind = rng.randrange(6)
    if kind == 0 and data:  # flip bits in a few bytes
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif kind == 1 and data:  # truncate
        del data[rng.randrange(len(data)):]
    elif kind == 2:  # insert random bytes
        at = rng.randrange(len(data) + 1)
        data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    elif kind == 3 and data:  # delete a span
        at = rng.randrange(len(data))
        del data[at:at + rng.randint(1, 32)]
    elif kind == 4 and data:  # duplicate a span
        at = rng.randrange(len(data))
        data[at:at] = data[at:at + rng.randint(1, 64)]
    elif data:  # set a byte to an extreme value
        data[rng.randrange(len(data))] = rng.choice([0, 0x7F, 0x80, 0xFF])
    return bytes(data)


def cases(work, convdyn):
    rng = random.Random(SEED)
    out = []

    # Configs: YAML and JSON, trained for 40 steps.
    json_config = json.dumps({"preset": "kp-small", "training": {"steps": 40}, "network": {"M": 4}}).encode()
    for kind, text, ext in (("yaml", YAML_CONFIG.encode(), "yaml"), ("json", json_config, "json")):
        for i in range(PER_KIND):
            path = f"{work}/config-{kind}-{i}.{ext}"
            with open(path, "wb") as f:
                f.write(mutate(text, rng))
            out.append({"name": f"config-{kind}-{i}", "args": ["train", "--config", path, "--out",
                                                             f"{work}/run-config-{kind}-{i}", "--quiet"],
                        "exit": [0, 1]})

    # Data files: one of the four files corrupted, raw or gzip.
    clean = f"{work}/data-clean"
    tiny_idx_dataset(clean)
    names = sorted(os.listdir(clean))
    for i in range(PER_KIND * 2):
        directory = f"{work}/data-{i}"
        shutil.copytree(clean, directory)
        victim = names[i % len(names)]
        compressed = i % 2 == 1
        data = open(f"{directory}/{victim}", "rb").read()
        if compressed:
            for name in names:
                raw = open(f"{directory}/{name}", "rb").read()
                payload = gzip.compress(raw, mtime=0)
                if name == victim:
                    payload = mutate(payload, rng)
                with open(f"{directory}/{name}.gz", "wb") as f:
                    f.write(payload)
                os.remove(f"{directory}/{name}")
        else:
            with open(f"{directory}/{victim}", "wb") as f:
                f.write(mutate(data, rng))
        out.append({"name": f"data-{'gz' if compressed else 'raw'}-{victim}-{i}",
                    "args": ["train", "--preset", "fmnist-practical", "--dataset", "mnist", "--data-dir", directory,
                             "--set", "steps=20", "--out", f"{work}/run-data-{i}", "--quiet"],
                    "exit": [0, 1]})

    # Run files: a real run, one of its files corrupted, read by report and show.
    base = f"{work}/run-clean"
    subprocess.run([convdyn, "train", "--preset", "kp-small", "--set", "steps=60", "--out", base, "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    files = ["metrics.jsonl", "filters.jsonl", "summary.json", "config.json"]
    for i in range(PER_KIND * 2):
        directory = f"{work}/run-{i}"
        shutil.copytree(base, directory)
        victim = files[i % len(files)]
        data = open(f"{directory}/{victim}", "rb").read()
        with open(f"{directory}/{victim}", "wb") as f:
            f.write(mutate(data, rng))
        command = ["report", directory] if i % 2 == 0 else ["show", directory]
        out.append({"name": f"runfile-{command[0]}-{victim}-{i}", "args": command, "exit": [0, 1]})
    return out


if __name__ == "__main__":
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    sys.exit(subprocess.call([sys.executable, os.path.join(here, "run.py"), sys.argv[1], "mutations"]))

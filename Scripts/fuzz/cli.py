"""Command lines a hostile or careless user types: huge counts, overflowing seeds, sizes the data
cannot give, images far larger than the dataset's, options out of range."""

import gzip
import os
import struct

INT_MAX = 2**63 - 1


def idx_images(path, count, side, fill=0):
    raw = struct.pack(">BBBBIII", 0, 0, 8, 3, count, side, side) + bytes([fill]) * (count * side * side)
    with open(path, "wb") as f:
        f.write(gzip.compress(raw, compresslevel=1, mtime=0))


def idx_labels(path, labels):
    with open(path, "wb") as f:
        f.write(struct.pack(">BBBBI", 0, 0, 8, 1, len(labels)) + bytes(labels))


def cases(work, convdyn):
    small = f"{work}/small"  # 20 training and 10 test images of 8×8
    os.makedirs(small)
    for name, count in (("train", 20), ("t10k", 10)):
        idx_images(f"{small}/{name}-images-idx3-ubyte.gz", count, 8, fill=7)
        idx_labels(f"{small}/{name}-labels-idx1-ubyte.gz".replace(".gz", ""), [i % 10 for i in range(count)])
    big = f"{work}/big"  # one 6000×6000 image per split: fits the reader, not a training batch
    os.makedirs(big)
    for name in ("train", "t10k"):
        idx_images(f"{big}/{name}-images-idx3-ubyte.gz", 1, 6000)
        idx_labels(f"{big}/{name}-labels-idx1-ubyte", [0])
    foreign = f"{work}/foreign"
    os.makedirs(foreign)
    with open(f"{foreign}/notes.txt", "w") as f:
        f.write("a user's own notes\n")

    image = ["train", "--preset", "fmnist-practical", "--dataset", "mnist", "--set", "batchSize=4",
             "--set", "steps=2", "--quiet"]
    return [
        {"name": "verify-seeds-billion", "args": ["verify", "A1", "--seeds", "1000000000", "--out", f"{work}/v1"],
         "exit": 64, "contains": "at most 100000"},
        {"name": "verify-all-claims-seeds-20000", "args": ["verify", "--seeds", "20000", "--out", f"{work}/v2"],
         "exit": 64, "contains": "runs over the claims"},
        {"name": "verify-first-seed-overflow",
         "args": ["verify", "A1", "--seeds", "100", "--first-seed", str(INT_MAX - 10), "--out", f"{work}/v3"],
         "exit": 64, "contains": "--first-seed"},
        {"name": "demo-seeds-billion", "args": ["demo", "--seeds", "1000000000", "--out", f"{work}/d1"],
         "exit": 64, "contains": "--seeds"},
        {"name": "demo-first-seed-overflow", "args": ["demo", "--first-seed", str(INT_MAX), "--out", f"{work}/d2"],
         "exit": 64, "contains": "--first-seed"},
        {"name": "train-seed-negative", "args": ["train", "--preset", "kp-small", "--seed", "-1", "--out",
                                                 f"{work}/t1"], "exit": 64, "contains": "seed"},
        {"name": "train-steps-int-max", "args": ["train", "--preset", "kp-small", "--set", f"steps={INT_MAX}",
                                                 "--out", f"{work}/t2"], "exit": [1, 64], "contains": "steps"},
        {"name": "train-learning-rate-1e400", "args": ["train", "--preset", "kp-small", "--set",
                                                       "learningRate=1e400", "--out", f"{work}/t3"],
         "exit": [1, 64], "contains": "learningRate"},
        {"name": "train-kou-D-huge", "args": ["train", "--preset", "kou-relu", "--set", "D=100000000", "--out",
                                              f"{work}/t4"], "exit": [1, 64], "contains": "memory"},
        {"name": "train-size-beyond-data",
         "args": image + ["--data-dir", small, "--train-size", "1000000000", "--out", f"{work}/t5"],
         "exit": 1, "contains": "images.trainSize", "absent": f"{work}/t5"},
        {"name": "test-size-beyond-data",
         "args": image + ["--data-dir", small, "--set", "images.testSize=11", "--out", f"{work}/t6"],
         "exit": 1, "contains": "images.testSize"},
        {"name": "images-larger-than-the-dataset",
         "args": image + ["--data-dir", big, "--set", "batchSize=1", "--out", f"{work}/t7"],
         "exit": 1, "contains": "pixels per image", "rss_mb": 800, "absent": f"{work}/t7"},
        {"name": "overwrite-foreign-directory",
         "args": ["train", "--preset", "kp-small", "--overwrite", "--out", foreign], "exit": 1,
         "contains": "notes.txt", "kept": [f"{foreign}/notes.txt"]},
        {"name": "bench-threads-zero", "args": ["bench", "W1", "--threads", "0"], "exit": 64,
         "contains": "--threads"},
        {"name": "config-missing", "args": ["train", "--config", f"{work}/nope.yaml", "--out", f"{work}/t8"],
         "exit": 1, "contains": "nope.yaml"},
        {"name": "unknown-subcommand", "args": ["trian"], "exit": 64, "contains": "trian"},
    ]


if __name__ == "__main__":
    import subprocess
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    sys.exit(subprocess.call([sys.executable, os.path.join(here, "run.py"), sys.argv[1], "cli"]))

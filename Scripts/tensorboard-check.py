#!/usr/bin/env python3
"""Checks `convdyn export tensorboard` with TensorBoard's own event reader.

Makes a small key-pattern run, a small image run (on a generated Fashion-MNIST-shaped data set)
and a 4-run sweep with CONVDYN, exports each, reads every event file back with
tensorboard.backend.event_processing.event_accumulator.EventAccumulator (size_guidance 0: keep
everything) and compares:
  - every numeric, finite field of every metrics.jsonl line with the scalar of that tag and step
    (within float32 rounding), and no scalar beyond them;
  - one histogram `filterNorms` per filters.jsonl line, holding M values (its num and its bucket
    counts), with the min and max of the line's norms;
  - the text `config` with config.json;
  - the images `filters` with filters/step-*.png, byte for byte;
  - the sweep's run subdirectories with sweep.json's swept values and seeds;
and that a second export without --overwrite, a PATH that is not a run and a bad option fail
with exit codes 1 (one line), 1 (one line) and 64.

Usage: python3 Scripts/tensorboard-check.py CONVDYN   (needs `pip install tensorboard`)
Exits 1 listing every difference; prints "tensorboard-check: OK …" when all hold.
"""
import json
import math
import os
import random
import struct
import subprocess
import sys
import tempfile

from tensorboard.backend.event_processing import event_accumulator as ea

GUIDANCE = {k: 0 for k in (ea.COMPRESSED_HISTOGRAMS, ea.IMAGES, ea.AUDIO, ea.SCALARS, ea.HISTOGRAMS, ea.TENSORS)}
problems = []


def fail(message):
    problems.append(message)


def run(args, expect=0):
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != expect:
        fail(f"{' '.join(args)}: exit {p.returncode}, expected {expect}: {p.stdout}{p.stderr}")
    return p


def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


def write_idx(directory):
    """A tiny Fashion-MNIST-shaped data set: 12×12 noise with a bright 3×3 motif per class."""
    rng = random.Random(7)
    side = 12
    motifs = [[(c >> k) & 1 or k == 4 for k in range(9)] for c in range(1, 11)]
    os.makedirs(directory)
    for name, count in (('train', 80), ('t10k', 40)):
        pixels, labels = bytearray(), bytearray()
        for i in range(count):
            c = i % 10
            image = [rng.randrange(30) for _ in range(side * side)]
            x0, y0 = rng.randrange(side - 2), rng.randrange(side - 2)
            for k in range(9):
                if motifs[c][k]:
                    image[(y0 + k // 3) * side + x0 + k % 3] = 220 + rng.randrange(35)
            pixels += bytes(image)
            labels.append(c)
        with open(f'{directory}/{name}-images-idx3-ubyte', 'wb') as f:
            f.write(struct.pack('>4B3I', 0, 0, 8, 3, count, side, side) + pixels)
        with open(f'{directory}/{name}-labels-idx1-ubyte', 'wb') as f:
            f.write(struct.pack('>4BI', 0, 0, 8, 1, count) + labels)


def check_run(run_dir, event_dir):
    """Compares one run directory with the event file of its export."""
    files = [f for f in os.listdir(event_dir) if 'tfevents' in f]
    if len(files) != 1:
        fail(f'{event_dir}: {len(files)} event files, expected 1')
        return 0
    acc = ea.EventAccumulator(event_dir, size_guidance=GUIDANCE)
    acc.Reload()
    tags = acc.Tags()
    config_text = open(f'{run_dir}/config.json', encoding='utf-8').read()
    config = json.loads(config_text)
    m = config['network']['M']
    compared = 0

    expected = {}
    for line in open(f'{run_dir}/metrics.jsonl', encoding='utf-8'):
        if not line.strip():
            continue
        record = json.loads(line)
        for key, value in record.items():
            if key == 'step' or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if math.isfinite(value):
                expected.setdefault(key, {})[record['step']] = value
    if set(tags['scalars']) != set(expected):
        fail(f'{event_dir}: scalar tags {sorted(tags["scalars"])} differ from metrics.jsonl {sorted(expected)}')
    for tag, by_step in expected.items():
        if tag not in tags['scalars']:
            continue
        events = acc.Scalars(tag)
        got = {e.step: e.value for e in events}
        if len(events) != len(got) or set(got) != set(by_step):
            fail(f'{event_dir}: {tag} at steps {sorted(got)}, metrics.jsonl has {sorted(by_step)}')
            continue
        for step, value in by_step.items():
            compared += 1
            if got[step] != f32(value):
                fail(f'{event_dir}: {tag} at step {step} is {got[step]}, metrics.jsonl {value} (float32 {f32(value)})')

    lines = []
    if os.path.exists(f'{run_dir}/filters.jsonl'):  # verify's runs record no per-filter figures
        lines = [json.loads(l) for l in open(f'{run_dir}/filters.jsonl', encoding='utf-8') if l.strip()]
    histograms = {e.step: e.histogram_value for e in acc.Histograms('filterNorms')} if lines else {}
    if len(histograms) != len(lines) or (lines and tags['histograms'] != ['filterNorms']):
        fail(f'{event_dir}: {len(histograms)} histograms {tags["histograms"]}, filters.jsonl has {len(lines)} lines')
    for line in lines:
        h = histograms.get(line['step'])
        if h is None:
            fail(f'{event_dir}: no filterNorms histogram at step {line["step"]}')
            continue
        compared += 1
        if h.num != m or sum(h.bucket) != m or len(h.bucket) != len(h.bucket_limit):
            fail(f'{event_dir}: histogram at step {line["step"]} holds {h.num} / {sum(h.bucket)} values, M = {m}')
        if h.min != min(line['norms']) or h.max != max(line['norms']):
            fail(f'{event_dir}: histogram at step {line["step"]} spans {h.min}…{h.max}, the norms '
                 f'{min(line["norms"])}…{max(line["norms"])}')

    texts = acc.Tensors('config') if 'config' in tags['tensors'] else []
    if len(texts) != 1:
        fail(f'{event_dir}: {len(texts)} config texts, expected 1')
    else:
        metadata = acc.SummaryMetadata('config')
        text = texts[0].tensor_proto.string_val[0].decode('utf-8')
        fence = '```json\n'
        if metadata.plugin_data.plugin_name != 'text':
            fail(f'{event_dir}: config text is for plugin {metadata.plugin_data.plugin_name!r}, not "text"')
        if not (text.startswith(fence) and text.endswith('\n```')) or text[len(fence):-4] != config_text:
            fail(f'{event_dir}: config text differs from config.json')
        compared += 1

    pictures = sorted(f for f in os.listdir(f'{run_dir}/filters') if f.endswith('.png')) \
        if os.path.isdir(f'{run_dir}/filters') else []
    images = acc.Images('filters') if 'filters' in tags['images'] else []
    if len(images) != len(pictures):
        fail(f'{event_dir}: {len(images)} filter images, {run_dir}/filters has {len(pictures)} PNGs')
    for image in images:
        compared += 1
        with open(f'{run_dir}/filters/step-{image.step:07d}.png', 'rb') as f:
            if f.read() != image.encoded_image_string:
                fail(f'{event_dir}: filter image at step {image.step} differs from its PNG')
        if image.width <= 0 or image.height <= 0:
            fail(f'{event_dir}: filter image at step {image.step} is {image.width}×{image.height}')
    return compared


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    convdyn = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix='tensorboard-check-') as tmp:
        counts = {}
        run([convdyn, 'train', '--preset', 'kp-small', '--seed', '1', '--set', 'steps=300', '--out',
             f'{tmp}/run', '--quiet'])
        run([convdyn, 'export', 'tensorboard', f'{tmp}/run'])
        counts['run'] = check_run(f'{tmp}/run', f'{tmp}/run/tensorboard/run')

        write_idx(f'{tmp}/data')
        run([convdyn, 'train', '--preset', 'fmnist-practical', '--data-dir', f'{tmp}/data', '--set', 'patchSize=3',
             '--set', 'M=16', '--set', 'batchSize=10', '--set', 'steps=30', '--set', 'schedule=every(10)',
             '--out', f'{tmp}/images', '--quiet'])
        run([convdyn, 'export', 'tensorboard', f'{tmp}/images', '--out', f'{tmp}/tb-images'])
        counts['image run'] = check_run(f'{tmp}/images', f'{tmp}/tb-images/images')

        with open(f'{tmp}/sweep.yaml', 'w') as f:
            f.write('preset: kp-small\nseeds: 1\nset:\n  steps: 200\ngrid:\n  sigma: [0.05, 0.1]\n  M: [4, 8]\n')
        run([convdyn, 'sweep', f'{tmp}/sweep.yaml', '--out', f'{tmp}/sweep'])
        run([convdyn, 'export', 'tensorboard', f'{tmp}/sweep', '--out', f'{tmp}/tb-sweep'])
        manifest = json.load(open(f'{tmp}/sweep/sweep.json', encoding='utf-8'))
        names = {}
        for entry in manifest['runs']:
            parts = [f'{k}={v if isinstance(v, str) else json.dumps(v)}' for k, v in sorted(entry['params'].items())]
            parts.append(f'seed={entry["seed"]}')
            names[','.join(parts)] = entry['directory']
        made = sorted(os.listdir(f'{tmp}/tb-sweep'))
        if made != sorted(names) or len(made) != 4:
            fail(f'sweep export made {made}, sweep.json names {sorted(names)}')
        counts['sweep'] = sum(check_run(f'{tmp}/sweep/{names[n]}', f'{tmp}/tb-sweep/{n}') for n in made if n in names)

        for args, code in (
            ([convdyn, 'export', 'tensorboard', f'{tmp}/sweep', '--out', f'{tmp}/tb-sweep'], 1),
            ([convdyn, 'export', 'tensorboard', f'{tmp}/data'], 1),
            ([convdyn, 'export', 'tensorboard', f'{tmp}/run', '--bogus'], 64),
        ):
            p = run(args, expect=code)
            if code == 1 and len(p.stderr.strip().split('\n')) != 1:
                fail(f'{" ".join(args)}: the error is not one line: {p.stderr!r}')
        p = run([convdyn, 'export', 'tensorboard', f'{tmp}/sweep', '--out', f'{tmp}/tb-sweep', '--overwrite'])
        for n in made:
            if len(os.listdir(f'{tmp}/tb-sweep/{n}')) != 1:
                fail(f'--overwrite left {os.listdir(f"{tmp}/tb-sweep/{n}")} in {n}')

    if problems:
        print('\n'.join(problems))
        print(f'tensorboard-check: {len(problems)} problem(s)')
        sys.exit(1)
    print('tensorboard-check: OK (values compared: ' + ', '.join(f'{k} {v}' for k, v in counts.items()) + ')')


if __name__ == '__main__':
    main()

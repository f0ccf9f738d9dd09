#!/usr/bin/env python3
"""Corrupt image-data files (IDX, CIFAR-10 binary batches, gzip) and bad image-data options, as fuzz cases.

Each case is a data directory under `work` with one thing wrong, and the `convdyn train` command line that reads
it; the case states the exit code (1 for a bad file, 64 for a malformed command line) and a substring of the one
line that must explain it. The fuzz runner (Scripts/fuzz/run.py) calls `cases(work, convdyn)`; standalone,

    python3 Scripts/fuzz/datafiles.py .build/release/convdyn

runs every case itself (20 s limit, peak RSS measured) and prints one PASS/FAIL line per case.
Python 3 standard library only.
"""
import gzip
import os
import shutil
import struct
import sys
import tempfile
import time
import zlib

SIDE = 12  # the valid IDX images are 12×12
TRAIN, TEST = 20, 10
GZ_BOMB_ZEROS = 1 << 30  # 1 GiB of zeros, about 1 MB compressed


def idx(dims, data=b''):
    """An unsigned-byte IDX file: magic 0x000008NN, big-endian sizes, data."""
    return bytes([0, 0, 8, len(dims)]) + b''.join(struct.pack('>I', d) for d in dims) + bytes(data)


def images(n, side=SIDE):
    return idx([n, side, side], bytes((i * 7) % 256 for i in range(n * side * side)))


def labels(n):
    return idx([n], bytes(i % 10 for i in range(n)))


def gz(data):
    return gzip.compress(data, mtime=0)


def gz_bomb(prefix, zeros):
    """`prefix` then `zeros` zero bytes, one gzip member, compressed in 1 MiB steps."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [c.compress(prefix)]
    chunk = bytes(1 << 20)
    for _ in range(zeros >> 20):
        out.append(c.compress(chunk))
    out.append(c.flush())
    return b''.join(out)


_ZEROS_MEMBER = []


def zeros_member():
    """One gzip member of GZ_BOMB_ZEROS zeros (made once: compressing 1 GiB takes seconds)."""
    if not _ZEROS_MEMBER:
        _ZEROS_MEMBER.append(gz_bomb(b'', GZ_BOMB_ZEROS))
    return _ZEROS_MEMBER[0]


def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)


IDX_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte',
             't10k-labels-idx1-ubyte']


def idx_dir(work, name, replace=None, compressed=False):
    """A valid MNIST-shaped directory with `replace` {file name: bytes, or a callable(path) making it}."""
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    good = {IDX_FILES[0]: images(TRAIN), IDX_FILES[1]: labels(TRAIN), IDX_FILES[2]: images(TEST),
            IDX_FILES[3]: labels(TEST)}
    for f, data in good.items():
        if compressed:
            write(os.path.join(d, f + '.gz'), gz(data))
        else:
            write(os.path.join(d, f), data)
    for f, content in (replace or {}).items():
        for old in (f, f + '.gz', f[:-3] if f.endswith('.gz') else None):
            if old and os.path.lexists(os.path.join(d, old)):
                os.remove(os.path.join(d, old))
        if callable(content):
            content(os.path.join(d, f))
        else:
            write(os.path.join(d, f), content)
    return d


CIFAR_FILES = ['data_batch_%d.bin' % i for i in range(1, 6)] + ['test_batch.bin']
RECORD = 3073


def cifar_records(n, label=3):
    return b''.join(bytes([(label + i) % 10]) + bytes((i + k) % 256 for k in range(3072)) for i in range(n))


def cifar_dir(work, name, replace=None):
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for f in CIFAR_FILES:
        write(os.path.join(d, f), cifar_records(2))
    for f, content in (replace or {}).items():
        base = f[:-3] if f.endswith('.gz') else f
        if os.path.lexists(os.path.join(d, base)):
            os.remove(os.path.join(d, base))
        if callable(content):
            content(os.path.join(d, f))
        else:
            write(os.path.join(d, f), content)
    return d


def symlink_to(target):
    return lambda path: os.symlink(target, path)


def make_directory(path):
    os.makedirs(path)


def cases(work, convdyn):
    """Writes the corrupt files under `work` and returns the cases (see the module's docstring)."""
    os.makedirs(work, exist_ok=True)
    out = []

    def train(name, data_dir, expected_exit, contains, dataset='mnist', extra=(), **more):
        args = ['train', '--preset', 'fmnist-practical', '--dataset', dataset, '--quiet',
                '--out', os.path.join(work, 'out-' + name)]
        if data_dir is not None:
            args += ['--data-dir', data_dir]
        case = {'name': name, 'args': args + list(extra), 'exit': expected_exit, 'contains': contains}
        case.update(more)
        out.append(case)

    def idx_case(name, replace, contains, compressed=False, **more):
        train(name, idx_dir(work, name, replace, compressed), 1, contains, **more)

    img, lab, timg, tlab = IDX_FILES
    good_images = images(TRAIN)
    good_gz = gz(good_images)

    # A valid directory runs (a control: the generator's good files are good).
    short = ['--set', 'steps=2', '--set', 'evaluation.schedule=every(1)', '--set', 'batchSize=4']
    done = 'completed after 2 steps'
    train('idx-valid-control', idx_dir(work, 'idx-valid-control'), 0, done, extra=short)
    train('idx-valid-gz-control', idx_dir(work, 'idx-valid-gz-control', compressed=True), 0, done, extra=short)

    # IDX headers.
    idx_case('idx-header-overflow', {img: idx([1, 0xFFFFFFFF, 0xFFFFFFFF])},
             'declares 1×4294967295×4294967295 bytes of data, a size beyond 64-bit arithmetic')
    idx_case('idx-header-overflow-gz', {img + '.gz': gz(idx([1, 0xFFFFFFFF, 0xFFFFFFFF]))},
             'a size beyond 64-bit arithmetic')
    idx_case('idx-header-count-overflow', {img: idx([0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF])},
             'a size beyond 64-bit arithmetic')
    idx_case('idx-header-over-bound', {img: idx([1, 65536, 65536])},
             'declares 1×65536×65536 = 4294967296 bytes of data, more than the')
    idx_case('idx-labels-over-bound', {lab: idx([0xFFFFFFFF])}, 'declares 4294967295 = 4294967295 bytes of data')
    idx_case('idx-bad-magic', {img: b'\x00\x00\x0d\x03' + good_images[4:]},
             'has magic number 0x00000d03, not an unsigned-byte IDX file')
    idx_case('idx-text-file', {img: b'hello, world\n'}, 'has magic number 0x68656c6c')
    idx_case('idx-images-rank-1', {img: labels(TRAIN)}, 'with 1 dimensions, expected images (IDX3) with 3')
    idx_case('idx-labels-rank-3', {lab: images(TRAIN)}, 'with 3 dimensions, expected labels (IDX1) with 1')
    idx_case('idx-rank-255', {img: bytes([0, 0, 8, 255])}, 'with 255 dimensions, expected images (IDX3) with 3')
    idx_case('idx-empty-file', {img: b''}, 'is too short (0 bytes) to be an IDX file')
    idx_case('idx-truncated-header', {img: good_images[:9]}, 'is truncated inside its header (9 of 16 bytes)')
    idx_case('idx-truncated-payload', {img: good_images[:-100]},
             'is truncated: the header promises 20×12×12 = 2880 bytes of data, the file holds 2780')
    idx_case('idx-trailing-bytes', {img: good_images + b'\x01' * 5},
             'has 5 bytes after the 20 images its header declares (20×12×12 = 2880 bytes)')
    idx_case('idx-labels-trailing', {lab: labels(TRAIN) + b'\x00'}, 'has 1 bytes after the 20 labels its header')
    idx_case('idx-zero-images', {img: idx([0, SIDE, SIDE])}, 'holds no images (its header declares 0)')
    idx_case('idx-zero-test-images', {timg: idx([0, SIDE, SIDE]), tlab: idx([0])},
             't10k-images-idx3-ubyte: holds no images (its header declares 0)')
    idx_case('idx-zero-labels', {lab: idx([0])}, 'holds no labels (its header declares 0)')
    idx_case('idx-zero-rows', {img: idx([TRAIN, 0, SIDE])}, 'has images of size 0×12; both sides must be positive')
    idx_case('idx-labels-count-mismatch', {lab: labels(TRAIN - 1)}, 'holds 19 labels but')
    idx_case('idx-label-out-of-range', {lab: idx([TRAIN], bytes([1] * (TRAIN - 1) + [200]))},
             'label 200 at index 19 is outside 0…9')
    idx_case('idx-test-images-smaller', {timg: images(TEST, side=10)},
             'holds images of 10×10 pixels, but the training images in')
    idx_case('idx-test-images-larger', {timg: images(TEST, side=14)}, 'are 12×12; the training and test images must')
    idx_case('idx-test-images-header-only', {timg: idx([TEST, 14, 14])},
             'holds images of 14×14 pixels, but the training images')
    # gzip content under a raw name: recognised by its first bytes.
    idx_case('idx-windows-over-bound', {img: gz(idx([1, 12000, 12000]))},
             'images.patchSize = 5: the 143904016 windows of one 12000×12000 image must hold at most 2³¹ floats')
    idx_case('idx-test-images-other-shape', {timg: idx([TEST, 6, 24], bytes(TEST * 144))},
             'holds images of 6×24 pixels, but the training images')
    idx_case('idx-patch-larger-than-images', {img: idx([TRAIN, 4, 4], bytes(TRAIN * 16)),
                                              timg: idx([TEST, 4, 4], bytes(TEST * 16))},
             'images.patchSize = 5')
    idx_case('idx-directory-as-file', {img: make_directory}, 'train-images-idx3-ubyte: cannot be read')
    idx_case('idx-dev-zero', {img: symlink_to('/dev/zero')}, 'has magic number 0x00000000')
    idx_case('idx-labels-dev-zero', {lab: symlink_to('/dev/zero')}, 'has magic number 0x00000000')
    idx_case('idx-dev-null', {img: symlink_to('/dev/null')}, 'is too short (0 bytes) to be an IDX file')
    idx_case('idx-fifo-without-writer', {img: os.mkfifo}, 'is too short (0 bytes) to be an IDX file')
    idx_case('idx-dangling-symlink', {img: symlink_to('/nonexistent/convdyn-data')},
             'missing: train-images-idx3-ubyte')
    if os.path.exists('/dev/urandom'):
        idx_case('idx-dev-urandom', {img: symlink_to('/dev/urandom')}, 'train-images-idx3-ubyte: ')

    # gzip.
    idx_case('gz-bomb', {img + '.gz': gz_bomb(good_images, GZ_BOMB_ZEROS)},
             'has more than 1048576 bytes after the 20 images its header declares')
    # The same bomb as a second gzip member after the labels (`cat labels.gz zeros.gz`).
    idx_case('gz-bomb-labels', {lab + '.gz': gz(labels(TRAIN)) + zeros_member()},
             'has more than 1048576 bytes after the 20 labels its header declares')
    idx_case('gz-trailing-garbage', {img + '.gz': good_gz + b'garbage'},
             'has 7 bytes after the end of its gzip stream that are not another gzip member')
    idx_case('gz-trailing-zeros', {img + '.gz': good_gz + bytes(4096)}, 'has 4096 bytes after the end of its gzip')
    idx_case('gz-trailing-data', {img + '.gz': gz(good_images + b'abc')},
             'has 3 bytes after the 20 images its header declares')
    idx_case('gz-second-member-extra', {img + '.gz': good_gz + gz(b'more')},
             'has 4 bytes after the 20 images its header declares')
    crc = bytearray(good_gz)
    crc[-8] ^= 0xFF
    idx_case('gz-bad-crc', {img + '.gz': bytes(crc)}, 'is a corrupt gzip file (zlib: incorrect data check)')
    length = bytearray(good_gz)
    length[-1] ^= 0x01
    idx_case('gz-bad-length', {img + '.gz': bytes(length)}, 'is a corrupt gzip file (zlib: incorrect length check)')
    block = bytearray(good_gz)
    block[10] = 0xFF
    idx_case('gz-bad-block', {img + '.gz': bytes(block)}, 'is a corrupt gzip file (zlib: ')
    header = bytearray(good_gz)
    header[2] = 0x07  # compression method other than deflate
    idx_case('gz-bad-method', {img + '.gz': bytes(header)}, 'is a corrupt gzip file (zlib: unknown compression method')
    idx_case('gz-truncated', {img + '.gz': good_gz[:len(good_gz) // 2]}, 'is a truncated gzip file')
    idx_case('gz-truncated-trailer', {img + '.gz': good_gz[:-3]}, 'is a truncated gzip file')
    idx_case('gz-magic-only', {img + '.gz': b'\x1f\x8b'}, 'is a truncated gzip file')
    idx_case('gz-empty-content', {img + '.gz': gz(b'')}, 'is too short (0 bytes) to be an IDX file')
    idx_case('gz-truncated-payload', {img + '.gz': gz(good_images[:-10])},
             'is truncated: the header promises 20×12×12 = 2880 bytes of data, the file holds 2870')
    idx_case('gz-huge-header', {img + '.gz': gz(idx([1, 65536, 65536]))}, 'more than the')

    # CIFAR-10 binary batches (no header: the record size and 10,000 records per batch bound them).
    def cifar_case(name, replace, contains):
        train(name, cifar_dir(work, name, replace), 1, contains, dataset='cifar10')

    train('cifar-valid-control', cifar_dir(work, 'cifar-valid-control'), 0, done, dataset='cifar10', extra=short)
    cifar_case('cifar-not-whole-records', {'data_batch_3.bin': cifar_records(2) + b'\x01' * 5},
               'data_batch_3.bin: holds 6151 bytes, not a whole number of 3073-byte CIFAR-10 records')
    cifar_case('cifar-truncated', {'test_batch.bin': cifar_records(2)[:-1]}, 'holds 6145 bytes, not a whole number')
    cifar_case('cifar-empty', {'data_batch_1.bin': b''}, 'data_batch_1.bin: holds no images (0 bytes)')
    cifar_case('cifar-label-out-of-range', {'data_batch_2.bin': cifar_records(1) + bytes([12]) + bytes(3072)},
               'record 1 has label 12; CIFAR-10 labels are 0…9')
    cifar_case('cifar-too-many-records', {'data_batch_1.bin': bytes((10001) * RECORD)},
               'holds more than 10000 records (30730000 bytes), the most a CIFAR-10 batch holds')
    cifar_case('cifar-dev-zero', {'data_batch_1.bin': symlink_to('/dev/zero')}, 'holds more than 10000 records')
    cifar_case('cifar-directory-as-file', {'test_batch.bin': make_directory}, 'test_batch.bin: cannot be read')
    cifar_case('cifar-gz-bomb', {'data_batch_1.bin.gz': zeros_member()}, 'holds more than 10000 records')
    cifar_case('cifar-gz-trailing-garbage', {'data_batch_4.bin.gz': gz(cifar_records(2)) + b'\x00\x01'},
               'data_batch_4.bin.gz: has 2 bytes after the end of its gzip stream')
    cifar_case('cifar-gz-not-whole', {'data_batch_5.bin.gz': gz(cifar_records(2) + b'xyz')},
               'holds 6149 bytes, not a whole number')
    bad = bytearray(gz(cifar_records(2)))
    bad[-8] ^= 0x55
    cifar_case('cifar-gz-bad-crc', {'test_batch.bin.gz': bytes(bad)}, 'incorrect data check')

    # Options: malformed command lines, exit 64, nothing read.
    good = idx_dir(work, 'options-data')
    for name, value, contains in [
        ('classes-empty-items', ',,,', "got ',,,', which has an empty item"),
        ('classes-empty', '', "got '', which has an empty item"),
        ('classes-trailing-comma', '1,2,', "which has an empty item"),
        ('classes-not-numbers', 'a,b', "where 'a' is not a number"),
        ('classes-out-of-range', '0,10', 'where class 10 is outside 0…9'),
        ('classes-negative', '-1,2', 'where class -1 is outside 0…9'),
        ('classes-huge', '1,99999999999999999999999', "is not a number"),
        ('classes-duplicate', '3,7,3', 'where class 3 appears twice'),
        ('classes-single', '4', 'a single class'),
    ]:
        flag = ['--classes=' + value] if value.startswith('-') else ['--classes', value]
        train(name, good, 64, contains, extra=flag)
    train('data-dir-empty', None, 64, "--data-dir must name a directory, got ''", extra=['--data-dir', ''])
    train('data-dir-missing', '/nonexistent/convdyn-data', 1, 'does not hold the mnist files')
    train('data-dir-a-file', os.path.join(good, img), 1, 'does not hold the mnist files')
    train('train-size-zero', good, 64, '--train-size must be ≥ 1, got 0', extra=['--train-size', '0'])
    train('train-size-not-number', good, 64, "'--train-size <train-size>'", extra=['--train-size', 'many'])
    train('dataset-unknown', good, 64, "'--dataset <dataset>'", dataset='svhn')
    return out


def run_case(case, convdyn, limit=20.0):
    """(passed, detail) for one case: exit code, no signal, the substring, within the time limit."""
    with tempfile.TemporaryFile() as output:
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.dup2(output.fileno(), 1)
            os.dup2(output.fileno(), 2)
            if case.get('cwd'):
                os.chdir(case['cwd'])
            try:
                os.execv(convdyn, [convdyn] + case['args'])
            finally:
                os._exit(127)
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() - start > limit:
                os.kill(pid, 9)
                _, status, usage = os.wait4(pid, 0)
                break
            time.sleep(0.01)
        seconds = time.monotonic() - start
        output.seek(0)
        text = output.read().decode('utf-8', 'replace')
    rss_mb = usage.ru_maxrss / 1024
    problems = []
    if os.WIFSIGNALED(status):
        problems.append('signal %d' % os.WTERMSIG(status))
    elif os.WEXITSTATUS(status) != case['exit']:
        problems.append('exit %d, expected %d' % (os.WEXITSTATUS(status), case['exit']))
    if case['contains'] not in text:
        problems.append('message lacks %r' % case['contains'])
    if seconds > limit:
        problems.append('over %g s' % limit)
    if rss_mb > case.get('rss_mb', 300):
        problems.append('peak RSS %.0f MB' % rss_mb)
    last = text.strip().split('\n')[-1] if text.strip() else ''
    return not problems, '%.2f s, %.0f MB: %s' % (seconds, rss_mb, '; '.join(problems + [last]))


def main():
    if len(sys.argv) != 2:
        print('usage: python3 Scripts/fuzz/datafiles.py CONVDYN_BINARY', file=sys.stderr)
        return 64
    convdyn = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix='convdyn-fuzz-datafiles-')
    try:
        failed = 0
        all_cases = cases(work, convdyn)
        for case in all_cases:
            passed, detail = run_case(case, convdyn)
            failed += not passed
            print('%s %s (%s)' % ('PASS' if passed else 'FAIL', case['name'], detail), flush=True)
        print('%d cases, %d failed' % (len(all_cases), failed))
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())

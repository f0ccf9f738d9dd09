#!/usr/bin/env python3
"""The bad-config corpus of issue 14: hostile config files, --set values and command lines.

`cases(work, convdyn)` writes each bad input under `work` and returns one dict per case:
{"name", "args", "exit", "contains"} (and "absent": a path the case must not create, e.g. the
run directory of a refused config). Every case must end with its exact exit code, no signal,
within the runner's time and memory limits, and print `contains` in stdout or stderr.

Standalone: python3 Scripts/fuzz/configs.py CONVDYN_BINARY [WORK_DIR]
prints PASS/FAIL per case (with the time and peak RSS) and exits 1 if any case fails.
Python 3 standard library only.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

TIME_LIMIT_S = 20
RSS_LIMIT_MB = 300


def _write(work, name, text, mode='w'):
    path = os.path.join(work, name)
    with open(path, mode) as f:
        f.write(text)
    return path


def _alias_bomb(levels=9, width=9):
    text = 'a: &a [' + ', '.join(['lol'] * width) + ']\n'
    previous = 'a'
    for i in range(1, levels):
        name = 'l%d' % i
        text += '%s: &%s [%s]\n' % (name, name, ', '.join(['*' + previous] * width))
        previous = name
    return text


def cases(work, convdyn):
    """Writes the corpus under `work`; returns the cases (see the module docstring)."""
    os.makedirs(work, exist_ok=True)
    out = os.path.join(work, 'out')  # no refused config may create it
    out_args = ['--out', out, '--quiet']
    result = []

    def add(name, args, code, contains, train=True):
        case = {'name': name, 'args': args + (out_args if train else []), 'exit': code, 'contains': contains}
        if train:
            case['absent'] = out
        result.append(case)

    def config(name, file_name, text, code, contains, extra=(), mode='w'):
        path = _write(work, file_name, text, mode)
        add(name, ['train', '--config', path] + list(extra), code, contains)

    # Nesting: the parsers recurse once per level.
    config('yaml-flow-5000', 'flow.yaml', 'preset: kp-bench\ndata: ' + '[' * 5000 + '\n', 1, 'nested deeper than 64')
    config('yaml-flow-100000-closed', 'flow2.yaml', '[' * 100000 + ']' * 100000, 1, 'nested deeper than 64')
    config('yaml-dashes-5000', 'dashes.yaml', '- ' * 5000 + 'x\n', 1, 'nested deeper than 64')
    config('yaml-block-1000', 'block.yaml', ''.join(' ' * i + 'a:\n' for i in range(1000)), 1,
           'nested deeper than 64')
    config('yaml-block-5000-size', 'block5000.yaml', ''.join(' ' * i + 'a:\n' for i in range(5000)), 1,
           'larger than 1048576 bytes')
    config('yaml-seq-sawtooth', 'saw.yaml', ''.join(' ' * (i % 100) + '- \n' for i in range(5000)), 1,
           'nested deeper than 64')
    config('yaml-json-objects-100000', 'objs.yaml', '{"a": ' * 100000 + '1' + '}' * 100000, 1,
           'nested deeper than 64')
    config('json-objects-100000', 'objs.json', '{"a":' * 100000 + '1' + '}' * 100000, 1, 'nested deeper than 64')
    config('json-arrays-100000', 'arrays.json', '[' * 100000 + ']' * 100000, 1, 'nested deeper than 64')
    config('yaml-alias-chain', 'chain.yaml',
           'a0: &a0 [1]\n' + ''.join('a%d: &a%d [*a%d]\n' % (i, i, i - 1) for i in range(1, 3000)), 1,
           'nested deeper than 64')
    # Aliases: expanded size is bounded, not the text.
    config('yaml-billion-laughs', 'bomb.yaml', _alias_bomb(), 1, 'each use of an alias *name counted in full')
    config('yaml-alias-wide', 'wide.yaml', 'a: &a [1]\nb: [' + ', '.join(['*a'] * 200000) + ']\n', 1,
           'each use of an alias *name counted in full')
    config('yaml-alias-wide-small', 'wide2.yaml', 'a: &a [1, 2, 3, 4, 5, 6, 7, 8]\nb: [' +
           ', '.join(['*a'] * 60000) + ']\n', 1, 'each use of an alias *name counted in full')
    config('yaml-undefined-alias', 'undef.yaml', 'preset: *nope\n', 1, 'is not valid YAML')
    # Size: refused before reading more than the limit.
    config('config-2mb', 'big.yaml', '# ' + 'x' * (2 << 20) + '\n', 1, 'larger than 1048576 bytes')
    dev_zero = os.path.join(work, 'zero.yaml')
    if not os.path.lexists(dev_zero):
        os.symlink('/dev/zero', dev_zero)
    add('config-dev-zero', ['train', '--config', dev_zero], 1, 'larger than 1048576 bytes')
    fifo = os.path.join(work, 'fifo.yaml')
    if not os.path.lexists(fifo):
        os.mkfifo(fifo)
    add('config-fifo', ['train', '--config', fifo], 1, 'is a named pipe or socket')
    config('config-many-keys', 'keys.yaml', ''.join('k%d: 1\n' % i for i in range(100001)), 1,
           'holds more than 100000 values')
    config('config-flat-list', 'flat.yaml', 'a: [' + ','.join(['1'] * 500000) + ']\n', 1,
           'holds more than 100000 values')
    config('yaml-plain-continuation-quote', 'cont.yaml', 'k: [x\n"q, [x\n' + 'q, [x\n' * 20000, 1,
           'nested deeper than 64')
    config('yaml-block-then-quote', 'cont2.yaml', 'a: x\n  "q\nb: ' + '[' * 5000 + '\n', 1, 'nested deeper than 64')
    config('yaml-quoted-closers', 'closers.yaml', 'a: ' + '[ "]]", ' * 5000 + '\n', 1, 'nested deeper than 64')
    config('yaml-block-scalar-closers', 'bsc.yaml', 'a: |\n  ]]]]]]]]\nb: ' + '[' * 5000 + '\n', 1,
           'nested deeper than 64')
    add('config-directory', ['train', '--config', work], 1, 'is a directory')
    add('config-missing', ['train', '--config', os.path.join(work, 'missing.yaml')], 1, 'does not exist')
    config('config-not-utf8', 'latin1.yaml', b'preset: kp-bench\n# \xff\xfe\n', 1, 'is not UTF-8', mode='wb')
    config('config-empty', 'empty.yaml', '', 1, 'is empty')
    config('config-list', 'list.yaml', '- 1\n- 2\n', 1, 'must hold a mapping')
    config('config-two-documents', 'two.yaml', 'preset: kp-bench\n---\npreset: kp-small\n', 1, 'not valid YAML')
    config('config-tabs', 'tabs.yaml', 'preset: kp-bench\ndata:\n\tsigma: 0\n', 1, 'not valid YAML')
    config('config-nul-bytes', 'nul.yaml', 'preset: kp-bench\x00\x00\n', 1, 'config file')
    # Duplicate keys: the second would silently replace the first.
    config('yaml-duplicate-section', 'dup.yaml', 'preset: kp-bench\ntraining:\n  steps: 10\ntraining:\n  steps: 20\n',
           1, "line 4: duplicate key 'training' (first on line 2)")
    config('yaml-duplicate-field', 'dup2.yaml', 'preset: kp-bench\ndata: {sigma: 0, sigma: 1}\n', 1,
           "duplicate key 'sigma'")
    config('yaml-duplicate-preset', 'dup3.yaml', 'preset: kp-bench\npreset: kp-small\n', 1,
           "line 2: duplicate key 'preset'")
    config('json-duplicate-section', 'dup.json', '{"preset": "kp-bench",\n "training": {"steps": 10},\n'
           ' "training": {"steps": 20}}\n', 1, "line 3: duplicate key 'training'")
    config('yaml-merge-key', 'merge.yaml', 'base: &b {sigma: 0}\ndata:\n  <<: *b\n', 1, 'merge keys')
    config('yaml-timestamp', 'date.yaml', 'preset: kp-bench\nseed: 2001-12-14\n', 1, 'timestamp')
    config('yaml-complex-key', 'complex.yaml', '? [a, b]\n: 1\n', 1, 'a key must be a name')
    # Preset: one source of truth.
    named = _write(work, 'named.yaml', 'preset: kp-small\n')
    add('preset-file-conflict', ['train', '--config', named, '--preset', 'kp-bench'], 1,
        'names preset: kp-small but --preset kp-bench was given')
    add('set-preset', ['train', '--preset', 'kp-bench', '--set', 'preset=nope'], 64, 'preset is not a field to set')
    add('set-preset-path', ['train', '--preset', 'kp-bench', '--set', 'preset=kp-small'], 64,
        'preset is not a field to set')
    config('file-preset-unknown', 'nope.yaml', 'preset: nope\n', 1, "unknown preset 'nope'")
    # Sizes: refused before anything is allocated, naming the field.
    for field, name in [('M', 'network.M'), ('K', 'data.K'), ('D', 'data.D'), ('nTest', 'data.nTest'),
                        ('nTrain', 'data.nTrain'), ('P', 'data.P')]:
        add('set-%s-1e9' % field, ['train', '--preset', 'kp-bench', '--set', '%s=1000000000' % field], 64,
            '%s = 1000000000' % name)
    add('set-batch-1e9', ['train', '--preset', 'kp-bench', '--set', 'nTrain=1000000000', '--set',
                          'batchSize=1000000000'], 64, 'of memory, over the bound')
    add('set-M-int-max', ['train', '--preset', 'kp-bench', '--set', 'M=9223372036854775807'], 64,
        'network.M = 9223372036854775807')
    add('set-k-overflow', ['train', '--preset', 'xord', '--set', 'k=4611686018427387904'], 64, 'network.M')
    add('set-epochs-overflow', ['train', '--preset', 'kp-bench', '--set', 'nTrain=100', '--set',
                                'epochs=4611686018427387904'], 64, 'evaluation.schedule')
    add('set-images-patch-huge', ['train', '--preset', 'fmnist-practical', '--set', 'M=100000000'], 64,
        'network.M = 100000000')
    config('file-M-1e9', 'hugeM.yaml', 'preset: kp-bench\nnetwork: {M: 1000000000}\n', 1, 'network.M = 1000000000')
    config('file-nTrain-1e12', 'hugeN.json', '{"preset": "kp-bench", "data": {"nTrain": 1000000000000}}', 1,
           'data.nTrain = 1000000000000')
    # Evaluation schedules: bounded count and work.
    add('schedule-log-1e9', ['train', '--preset', 'kp-bench', '--set', 'schedule=log(1000000000)'], 64,
        'log(N) takes N from 2 to 100000')
    add('schedule-log-int-max', ['train', '--preset', 'kp-bench', '--set', 'schedule=log(9223372036854775807)'], 64,
        'evaluation.schedule')
    add('schedule-every-1-steps-1e9', ['train', '--preset', 'kp-bench', '--set', 'schedule=every(1)', '--set',
                                       'steps=1000000000'], 64, 'evaluations over 1000000000 steps')
    add('schedule-every-1-steps-int-max', ['train', '--preset', 'kp-bench', '--set', 'schedule=every(1)', '--set',
                                           'steps=9223372036854775807'], 64, 'evaluation.schedule')
    # Messages that name the field.
    add('set-M-fraction', ['train', '--preset', 'kp-bench', '--set', 'M=2.5'], 64, 'network.M')
    add('set-unknown', ['train', '--preset', 'kp-bench', '--set', 'bogus=1'], 64, "unknown config field 'bogus'")
    add('set-json-duplicate-key', ['train', '--preset', 'pmoe', '--set', 'router={"experts": 2, "experts": 3}'], 64,
        "duplicate key 'experts'")
    config('yaml-syntax-error', 'syntax.yaml', 'data: {sigma: [0.1\n', 1, 'line 2 column 1 is not valid YAML: ')
    add('set-no-equals', ['train', '--preset', 'kp-bench', '--set', 'M'], 64, 'expected field=value')
    # Threads and jobs.
    add('bench-threads-0', ['bench', '--threads', '0'], 64, '--threads must be ≥ 1', train=False)
    add('bench-threads-negative', ['bench', '--threads=-3'], 64, '--threads must be ≥ 1', train=False)
    add('demo-jobs-0', ['demo', '--jobs', '0', '--out', out], 64, '--jobs must be ≥ 1', train=False)
    add('verify-jobs-negative', ['verify', '--jobs=-1', '--out', out], 64, '--jobs must be ≥ 1', train=False)
    # report --out: one line naming the path and the fix.
    run = os.path.join(work, 'run')
    if not os.path.exists(os.path.join(run, 'summary.json')):
        shutil.rmtree(run, ignore_errors=True)
        subprocess.run([convdyn, 'train', '--preset', 'kp-small', '--set', 'steps=10', '--out', run, '--quiet'],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    a_file = _write(work, 'a-file.txt', 'x\n')
    add('report-out-file', ['report', run, '--out', a_file], 1, 'is not a directory; the report needs a directory',
        train=False)
    add('report-out-under-file', ['report', run, '--out', a_file + '/sub'], 1, a_file + ' is not a directory',
        train=False)
    add('report-out-dev-null', ['report', run, '--out', '/dev/null'], 1, '/dev/null is not a directory', train=False)
    add('report-out-proc', ['report', run, '--out', '/proc/convdyn-fuzz/report'], 1, 'cannot be created',
        train=False)
    return result


def _run(case, cwd):
    """Runs one case; returns (exit code or -signal, output, seconds, peak RSS in MB)."""
    with tempfile.TemporaryFile() as output:
        start = time.monotonic()
        process = subprocess.Popen(case['args'], stdout=output, stderr=subprocess.STDOUT,
                                   cwd=case.get('cwd', cwd))
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > TIME_LIMIT_S:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.monotonic() - start
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        output.seek(0)
        return code, output.read().decode('utf-8', 'replace'), seconds, usage.ru_maxrss / 1024


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    convdyn = os.path.abspath(sys.argv[1])
    work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix='convdyn-fuzz-configs-')
    failures = 0
    corpus = cases(work, convdyn)
    for case in corpus:
        args = dict(case, args=[convdyn] + case['args'])
        code, output, seconds, rss = _run(args, work)
        problems = []
        if code != case['exit']:
            problems.append('exit %d, expected %d' % (code, case['exit']))
        if case['contains'] not in output:
            problems.append('missing %r' % case['contains'])
        if seconds > TIME_LIMIT_S:
            problems.append('timed out')
        if rss > case.get('rss_mb', RSS_LIMIT_MB):
            problems.append('peak RSS %.0f MB' % rss)
        if 'absent' in case and os.path.exists(case['absent']):
            problems.append('left %s behind' % case['absent'])
            shutil.rmtree(case['absent'], ignore_errors=True)
        lines = [line for line in output.splitlines() if line.strip()]
        first = lines[0] if lines else ''
        verdict = 'PASS' if not problems else 'FAIL'
        failures += bool(problems)
        print('%s %-32s exit %3d %5.2fs %4.0f MB  %s' % (verdict, case['name'], code, seconds, rss,
                                                          '; '.join(problems) or first[:110]))
    print('%d cases, %d failed (work: %s)' % (len(corpus), failures, work))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())

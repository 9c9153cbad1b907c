"""Start-up cost: ``import mmlite.runner`` and ``tools/train.py --help`` against ``import torch``.

Each command runs in a fresh interpreter; the contestants are interleaved and the median wall
time of ``--rounds`` runs is reported. The extra cost is the median of the per-round differences
(``import torch`` and ``import mmlite.runner`` run back to back, so slow spells of the machine hit
both). Target: ``import mmlite.runner`` ≤ ``import torch`` + 0.15 s.

    python benchmarks/startup_time.py [--rounds 7]
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TARGET_EXTRA_S = 0.15
COMMANDS = {
    'import torch': [sys.executable, '-c', 'import torch'],
    'import mmlite.runner': [sys.executable, '-c', 'import mmlite.runner'],
    'import mmlite.apis': [sys.executable, '-c', 'import mmlite.apis'],
    'tools/train.py --help': [sys.executable, 'tools/train.py', '--help'],
}


def _wall(cmd: list) -> float:
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))
    start = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(rounds: int) -> dict:
    for cmd in COMMANDS.values():  # warm the file cache
        _wall(cmd)
    times: dict[str, list] = {name: [] for name in COMMANDS}
    for _ in range(rounds):
        for name, cmd in COMMANDS.items():
            times[name].append(_wall(cmd))
    medians = {name: statistics.median(values) for name, values in times.items()}
    extra = statistics.median(r - t for r, t in zip(times['import mmlite.runner'], times['import torch']))
    return dict(seconds={k: round(v, 3) for k, v in medians.items()}, runner_extra_s=round(extra, 3),
                target_extra_s=TARGET_EXTRA_S, met=extra <= TARGET_EXTRA_S)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=7)
    args = parser.parse_args(argv)
    result = measure(args.rounds)
    print(json.dumps(result), flush=True)
    return result


if __name__ == '__main__':
    main()

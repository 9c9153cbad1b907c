"""Run every benchmark and print one markdown table (and write JSON).

    python benchmarks/run.py --quick          # under 5 minutes on a 2-core CPU
    python benchmarks/run.py                  # the full set (adds 800x1333 and the whole quickstart)
    python benchmarks/run.py --json out.json

Every row is a ratio or a difference measured within this one run (machines are noisy), with its
target and whether it is met. Run it on an otherwise idle machine.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import os.path as osp
import platform
import resource
import subprocess
import sys
import tempfile
import time

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, REPO)

import detector_step  # noqa: E402
import eval_speed  # noqa: E402
import pipeline_throughput  # noqa: E402
import runner_overhead  # noqa: E402
import startup_time  # noqa: E402

RSS_TARGET_GIB = 3.0


def _row(name: str, measured: str, target: str, met: bool, detail: str = '') -> dict:
    return dict(benchmark=name, measured=measured, target=target, met=bool(met), detail=detail)


def runner_rows(quick: bool) -> tuple[list, dict]:
    import torch
    threads = torch.get_num_threads()
    try:
        result = runner_overhead.run(quick)  # one thread, one pinned CPU
    finally:
        torch.set_num_threads(threads)
    rows = [_row(f"runner overhead, {r['model']}, {r['runner']}", f"{r['overhead_us']} µs/it (×{r['ratio']})",
                 f'≤ {runner_overhead.TARGET_US} µs/it' if r['model'].startswith('tiny') else 'reported',
                 r['overhead_us'] <= runner_overhead.TARGET_US or not r['model'].startswith('tiny'),
                 f"plain {r['plain_us']} µs/it") for r in result['rows']]
    t = result['epoch_transition']
    rows.append(_row('epoch transition', f"{t['ms_per_epoch_transition']} ms",
                     f'≤ {runner_overhead.TARGET_EPOCH_MS} ms', result['epoch_target_met'],
                     'mmcv 1.7.2 sleeps 2000 ms'))
    return rows, result


def pipeline_rows(quick: bool) -> tuple[list, list]:
    with tempfile.TemporaryDirectory() as tmp:
        result = pipeline_throughput.measure(60 if quick else 200, 2 if quick else 3, osp.join(tmp, 'toy'))
    rows = [_row(f"data pipeline, {r['workers']} workers", f"{r['pipeline_img_s']} img/s (×{r['ratio_per_worker']} "
                 'of the floor per worker)', f"≥ {r['target']} × floor", r['met'],
                 f"decode+resize floor {r['floor_img_s']} img/s") for r in result]
    return rows, result


def detector_rows(quick: bool) -> tuple[list, list]:
    """Quick: 160x224 in this process. Full: 800x1333 in 4 fresh processes of 2 rounds each (they
    alternate which model is built first), as a user runs it and with the process-wide memory
    settings that remove the VM's noise (malloc_keep_freed and huge pages); then 160x224 here."""
    if quick:
        results = [detector_step.measure(160, 224, 3)]
    else:
        results = [detector_step.measure_in_processes('800x1333', 2, 4),
                   detector_step.measure_in_processes('800x1333', 2, 4, keep_freed=True, huge_pages=True),
                   detector_step.measure(160, 224, 5)]
    rows = []
    for r in results:
        spread = f", per process ×{min(r['process_ratios'])}-×{max(r['process_ratios'])}" if 'processes' in r else ''
        knobs = [name for name, on in (('malloc_keep_freed', r.get('malloc') == 'keep_freed'),
                                       ('huge pages', r.get('huge_pages'))) if on]
        rows.append(_row(f"Faster R-CNN R50-FPN train step {r['size']}" + ''.join(f', {k}' for k in knobs),
                         f"×{r['ratio']} of torchvision", f'≤ {detector_step.TARGET_RATIO}',
                         r['ratio'] <= detector_step.TARGET_RATIO,
                         f"mmlite {r['mmlite_s']} s, torchvision {r['torchvision_s']} s{spread}"))
    return rows, results


def eval_rows(quick: bool) -> tuple[list, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        r = eval_speed.measure(100, 30, 15 if quick else 25, osp.join(tmp, 'toy'))
    return [_row(f"COCO bbox evaluation, {r['detections']} detections", f"×{r['ratio']} of pycocotools",
                 f'≤ {r["target"]}', r['met'] and r['same_map'],
                 f"mmlite {r['mmlite_s']} s, direct {r['direct_s']} s, same mAP: {r['same_map']}")], r


def startup_rows(quick: bool) -> tuple[list, dict]:
    r = startup_time.measure(3 if quick else 7)
    s = r['seconds']
    return [_row('import mmlite.runner', f"+{r['runner_extra_s']} s over import torch ({s['import torch']} s)",
                 f"≤ +{r['target_extra_s']} s", r['met']),
            _row('import mmlite.apis', f"+{round(s['import mmlite.apis'] - s['import torch'], 3)} s", 'reported', True),
            _row('tools/train.py --help', f"{s['tools/train.py --help']} s", 'reported', True)], r


def quickstart_rows(quick: bool) -> tuple[list, dict]:
    """Peak RSS of tools/train.py on the quickstart config (one epoch with evaluation when quick)."""
    config = osp.join(REPO, 'configs', 'quickstart', 'faster_rcnn_r18_fpn_toy.py')
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, 'tools/train.py', config, '--work-dir', tmp]
        if quick:
            cmd += ['--cfg-options', 'runner.max_epochs=1', 'evaluation.interval=1', 'checkpoint_config.interval=1']
        start = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=dict(os.environ, PYTHONPATH=REPO))
        seconds = time.perf_counter() - start
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # KiB on Linux
    r = dict(peak_rss_gib=round(peak_gib, 3), seconds=round(seconds, 1), epochs=1 if quick else 'all')
    return [_row('quickstart peak RSS' + (' (1 epoch + eval)' if quick else ''), f'{peak_gib:.2f} GiB',
                 f'≤ {RSS_TARGET_GIB} GiB', peak_gib <= RSS_TARGET_GIB, f'{seconds:.0f} s wall')], r


def to_markdown(rows: list) -> str:
    lines = ['| benchmark | measured | target | met |', '|---|---|---|---|']
    for r in rows:
        detail = f" ({r['detail']})" if r['detail'] else ''
        met = 'yes' if r['met'] else '**no**'
        lines.append(f"| {r['benchmark']} | {r['measured']}{detail} | {r['target']} | {met} |")
    return '\n'.join(lines)


def _commit() -> str:
    try:
        return subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='the CI-sized run (< 5 min on 2 cores)')
    parser.add_argument('--json', default=None, help='write rows and raw results here')
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows, raw = [], {}
    # the startup and memory rows start subprocesses: before the in-process ones touch threads
    for name, fn in (('startup', startup_rows), ('quickstart', quickstart_rows), ('runner', runner_rows),
                     ('pipeline', pipeline_rows), ('detector', detector_rows), ('eval', eval_rows)):
        section_rows, raw[name] = fn(args.quick)
        rows += section_rows
        print(f'[{time.perf_counter() - start:.0f} s] {name} done', file=sys.stderr, flush=True)
    meta = dict(date=datetime.date.today().isoformat(), commit=_commit(), machine=platform.platform(),
                cpus=os.cpu_count(), python=platform.python_version(), quick=args.quick,
                seconds=round(time.perf_counter() - start, 1))
    import torch
    meta['torch'] = torch.__version__
    print(f"{meta['date']}, commit {meta['commit']}, {meta['machine']}, {meta['cpus']} CPUs, torch {meta['torch']}, "
          f"{'quick' if args.quick else 'full'} run in {meta['seconds']} s\n")
    print(to_markdown(rows))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(meta=meta, rows=rows, raw=raw), f, indent=2, default=str)
    return dict(meta=meta, rows=rows)


if __name__ == '__main__':
    main()

"""Plot curves from ``.log.json`` files and compute training speed (mmdet's analyze_logs).

    python tools/analysis_tools/analyze_logs.py plot_curve LOG.json [...] --keys loss loss_cls --out loss.png
    python tools/analysis_tools/analyze_logs.py plot_curve LOG.json --keys bbox_mAP --out map.png
    python tools/analysis_tools/analyze_logs.py cal_train_time LOG.json [...]
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict

import numpy as np


def read_records(path: str) -> list[dict]:
    """The records of one ``.log.json`` that carry an epoch (the env/config header is skipped)."""
    with open(path) as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [record for record in records if 'epoch' in record]


def cal_train_time(log_records: list[list[dict]], args) -> list[dict]:
    """Average seconds per iteration of each file (the first iteration of an epoch excluded unless
    ``--include-outliers``), with the slowest and fastest epoch."""
    summaries = []
    for path, records in zip(args.json_logs, log_records):
        times = defaultdict(list)
        for record in records:
            if record.get('mode') == 'train' and 'time' in record:
                times[record['epoch']].append(record['time'])
        first = 0 if args.include_outliers else 1
        per_epoch = {epoch: float(np.mean(values[first:])) for epoch, values in times.items() if values[first:]}
        if not per_epoch:
            print(f'{path}: no training records with a time')
            continue
        epochs, means = list(per_epoch), np.array(list(per_epoch.values()))
        summary = dict(file=path, slowest_epoch=epochs[int(means.argmax())], slowest_s=float(means.max()),
                       fastest_epoch=epochs[int(means.argmin())], fastest_s=float(means.min()),
                       std_over_epochs=float(means.std()), average_s_per_iter=float(means.mean()))
        print(f'{"-" * 5}Analyze train time of {path}{"-" * 5}')
        print(f'slowest epoch {summary["slowest_epoch"]}, average time is {summary["slowest_s"]:.4f}')
        print(f'fastest epoch {summary["fastest_epoch"]}, average time is {summary["fastest_s"]:.4f}')
        print(f'time std over epochs is {summary["std_over_epochs"]:.4f}')
        print(f'average iter time: {summary["average_s_per_iter"]:.4f} s/iter')
        summaries.append(summary)
    return summaries


def _counts_globally(train: list[dict]) -> bool:
    """Whether ``iter`` counts over the whole run (IterBasedRunner logs) rather than restarting
    every epoch: it then grows strictly from one training record to the next."""
    iters = [record['iter'] for record in train]
    return all(a < b for a, b in zip(iters, iters[1:]))


def curve_points(records: list[dict], key: str) -> tuple[list, list, str]:
    """``(x, y, x label)`` of ``key`` in one log. Keys of training records are plotted per
    iteration (counted over the run); values logged at evaluation per epoch, or, in an
    iteration-based log, at the iteration of the training record before them."""
    train = [record for record in records if record.get('mode') == 'train']
    global_iters = _counts_globally(train)
    if any(key in record for record in train):
        per_epoch = max(record['iter'] for record in train)
        points = [(record['iter'] if global_iters else (record['epoch'] - 1) * per_epoch + record['iter'],
                   record[key]) for record in train if key in record]
        return [x for x, _ in points], [y for _, y in points], 'iter'
    if not global_iters:
        last = {record['epoch']: record[key] for record in records if key in record}
        return list(last), list(last.values()), 'epoch'
    xs, ys, at = [], [], 0
    for record in records:
        if record.get('mode') == 'train':
            at = record['iter']
        elif key in record:
            xs.append(at)
            ys.append(record[key])
    return xs, ys, 'iter'


def plot_curve(log_records: list[list[dict]], args) -> None:
    try:
        import matplotlib
        matplotlib.use(args.backend or 'Agg')
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise SystemExit('plot_curve needs matplotlib: pip install "mmlite[plot]"') from exc
    legend = args.legend or [f'{path}_{key}' for path in args.json_logs for key in args.keys]
    if len(legend) != len(args.json_logs) * len(args.keys):
        raise SystemExit(f'--legend needs {len(args.json_logs) * len(args.keys)} entries (files x keys)')
    plt.figure()
    for i, records in enumerate(log_records):
        for j, key in enumerate(args.keys):
            xs, ys, xlabel = curve_points(records, key)
            if not xs:
                raise SystemExit(f'{args.json_logs[i]} has no "{key}" values; logged keys: '
                                 f'{sorted({k for r in records for k in r})}')
            plt.plot(xs, ys, label=legend[i * len(args.keys) + j], marker='o' if xlabel == 'epoch' else None)
            if xlabel == 'epoch':
                plt.xticks(xs)
            plt.xlabel(xlabel)
    plt.legend()
    if args.title:
        plt.title(args.title)
    if args.out:
        plt.savefig(args.out)
        print(f'save curve to: {args.out}')
    else:
        plt.show()
    plt.close()


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Plot curves from, or time, the .log.json files of training runs')
    subparsers = parser.add_subparsers(dest='task', required=True, help='what to do')
    plot = subparsers.add_parser('plot_curve', help='plot logged values against epochs or iterations')
    plot.add_argument('json_logs', type=str, nargs='+', help='one or more .log.json files')
    plot.add_argument('--keys', type=str, nargs='+', default=['bbox_mAP'],
                      help='logged keys to plot (e.g. loss_cls bbox_mAP)')
    plot.add_argument('--start-epoch', type=str, default='1', help='(accepted for compatibility)')
    plot.add_argument('--eval-interval', type=str, default='1', help='(accepted for compatibility)')
    plot.add_argument('--title', type=str, help='figure title')
    plot.add_argument('--legend', type=str, nargs='+', default=None, help='one legend label per log and key')
    plot.add_argument('--backend', type=str, default=None, help='matplotlib backend to use')
    plot.add_argument('--style', type=str, default='dark', help='(accepted for compatibility)')
    plot.add_argument('--out', type=str, default=None)
    train_time = subparsers.add_parser('cal_train_time', help='average seconds per training iteration, per '
                                       'log')
    train_time.add_argument('json_logs', type=str, nargs='+', help='one or more .log.json files')
    train_time.add_argument('--include-outliers', action='store_true', help='include the first value of every '
                            'epoch when computing the average time')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    for path in args.json_logs:
        if not path.endswith('.json'):
            raise SystemExit(f'{path}: expected a .log.json file')
    log_records = [read_records(path) for path in args.json_logs]
    return plot_curve(log_records, args) if args.task == 'plot_curve' else cal_train_time(log_records, args)


if __name__ == '__main__':
    main()

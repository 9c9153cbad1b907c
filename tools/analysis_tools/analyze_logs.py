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


def load_json_logs(json_logs: list[str]) -> list[dict]:
    """Per file: ``{epoch: {key: [values...]}}`` over the train and val records (the env header and
    lines without an epoch are skipped)."""
    log_dicts = []
    for path in json_logs:
        log_dict: dict = {}
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                record = json.loads(line)
                if 'epoch' not in record:
                    continue
                epoch_dict = log_dict.setdefault(record.pop('epoch'), defaultdict(list))
                for key, value in record.items():
                    epoch_dict[key].append(value)
        log_dicts.append(log_dict)
    return log_dicts


def cal_train_time(log_dicts: list[dict], args) -> list[dict]:
    """Average seconds per iteration of each file (the first iteration of an epoch excluded unless
    ``--include-outliers``), with the slowest and fastest epoch."""
    summaries = []
    for path, log_dict in zip(args.json_logs, log_dicts):
        per_epoch = {}
        for epoch, records in log_dict.items():
            times = [t for t, mode in zip(records.get('time', []), records.get('mode', [])) if mode == 'train']
            if not args.include_outliers:
                times = times[1:]
            if times:
                per_epoch[epoch] = float(np.mean(times))
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


def _series(log_dict: dict, key: str) -> tuple[list, list, str]:
    """(x, y, x-label) of one key: per epoch for values logged at evaluation, else per iteration."""
    xs, ys = [], []
    iters_per_epoch = max((max(r['iter']) for r in log_dict.values() if r.get('iter')), default=1)
    per_iteration = any(key in r and 'train' in r.get('mode', []) for r in log_dict.values())
    for epoch in sorted(log_dict):
        records = log_dict[epoch]
        if key not in records:
            continue
        if per_iteration:
            pairs = [(it, v) for it, v, mode in zip(records['iter'], records[key], records['mode']) if mode == 'train']
            xs += [(epoch - 1) * iters_per_epoch + it for it, _ in pairs]
            ys += [v for _, v in pairs]
        else:
            xs.append(epoch)
            ys.append(records[key][-1])
    return xs, ys, 'iter' if per_iteration else 'epoch'


def plot_curve(log_dicts: list[dict], args) -> None:
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
    for i, log_dict in enumerate(log_dicts):
        for j, key in enumerate(args.keys):
            xs, ys, xlabel = _series(log_dict, key)
            if not xs:
                raise SystemExit(f'{args.json_logs[i]} has no "{key}" values; logged keys: '
                                 f'{sorted({k for r in log_dict.values() for k in r})}')
            plt.plot(xs, ys, label=legend[i * len(args.keys) + j], marker='o' if xlabel == 'epoch' else None)
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
    parser = argparse.ArgumentParser(description='Analyze Json Log')
    subparsers = parser.add_subparsers(dest='task', required=True, help='task parser')
    plot = subparsers.add_parser('plot_curve', help='parser for plotting curves')
    plot.add_argument('json_logs', type=str, nargs='+', help='path of train log in json format')
    plot.add_argument('--keys', type=str, nargs='+', default=['bbox_mAP'], help='the metric that you want to plot')
    plot.add_argument('--start-epoch', type=str, default='1', help='(accepted for compatibility)')
    plot.add_argument('--eval-interval', type=str, default='1', help='(accepted for compatibility)')
    plot.add_argument('--title', type=str, help='title of figure')
    plot.add_argument('--legend', type=str, nargs='+', default=None, help='legend of each plot')
    plot.add_argument('--backend', type=str, default=None, help='backend of plt')
    plot.add_argument('--style', type=str, default='dark', help='(accepted for compatibility)')
    plot.add_argument('--out', type=str, default=None)
    train_time = subparsers.add_parser('cal_train_time', help='parser for computing the average time per training '
                                       'iteration')
    train_time.add_argument('json_logs', type=str, nargs='+', help='path of train log in json format')
    train_time.add_argument('--include-outliers', action='store_true', help='include the first value of every '
                            'epoch when computing the average time')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    for path in args.json_logs:
        if not path.endswith('.json'):
            raise SystemExit(f'{path}: expected a .log.json file')
    log_dicts = load_json_logs(args.json_logs)
    return plot_curve(log_dicts, args) if args.task == 'plot_curve' else cal_train_time(log_dicts, args)


if __name__ == '__main__':
    main()

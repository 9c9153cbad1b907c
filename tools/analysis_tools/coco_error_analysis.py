"""COCO error analysis (after Hoiem et al. and Detectron): how much precision each kind of error costs.

    python tools/analysis_tools/coco_error_analysis.py RESULTS.bbox.json OUT_DIR [--ann ANN.json]
        [--types bbox segm] [--extraplots] [--areas 1024 9216 10000000000] [--nproc 4]

RESULTS.json are COCO-style results (``tools/test.py ... --format-only --eval-options
jsonfile_prefix=RESULTS``). Per class and for all classes, ``OUT_DIR/<type>/`` gets one stacked
precision-recall plot per area range with the AP at each step: C75 and C50 (PR at IoU .75 and .5),
Loc (IoU .1: localisation errors forgiven), Sim (confusions within the supercategory forgiven), Oth (all
class confusions forgiven), BG (background false positives forgiven) and FN (everything found).
``--extraplots`` adds AP bar plots and the ground truth's area statistics. Needs matplotlib.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import numpy as np  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402

from mmlite.datasets.coco_error_analysis import (AREA_NAMES, ERROR_TYPES, error_precisions,  # noqa: E402
                                                 gt_counts_per_area)

STEP_COLORS = [(1, 1, 1), (0.31, 0.51, 0.74), (0.75, 0.31, 0.30), (0.36, 0.90, 0.38), (0.50, 0.39, 0.64),
               (1, 0.6, 0), (1, 1, 1)]


def _pyplot():
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise SystemExit('coco_error_analysis needs matplotlib: pip install "mmlite[plot]"') from exc
    return plt


def plot_steps(rec_thrs: np.ndarray, steps: np.ndarray, out_dir: str, class_name: str, iou_type: str) -> None:
    """One stacked PR plot per area range (``steps``: 7 x R [x K] x A x 1)."""
    plt = _pyplot()
    for area_index, area_name in enumerate(AREA_NAMES):
        area_steps = steps[..., area_index, 0]
        curves = [s.mean(axis=1) if s.ndim > 1 else s for s in area_steps]
        lower = np.zeros_like(curves[0])
        title = f'{iou_type}-{class_name}-{area_name}'
        fig, ax = plt.subplots()
        for name, color, curve, values in zip(ERROR_TYPES, STEP_COLORS, curves, area_steps):
            ax.plot(rec_thrs, curve, color=(0, 0, 0), linewidth=0.5)
            ax.fill_between(rec_thrs, lower, curve, color=color, label=f'[{values.mean():.3f}]{name}')
            lower = curve
        ax.set(xlabel='recall', ylabel='precision', xlim=(0, 1.0), ylim=(0, 1.0), title=title)
        ax.legend()
        fig.savefig(osp.join(out_dir, f'{title}.png'))
        plt.close(fig)


def _label_bars(ax, bars) -> None:
    for bar in bars:
        height = bar.get_height()
        text = f'{height * 100:2.0f}' if 0 < height <= 1 else f'{height:2.0f}'
        ax.annotate(text, xy=(bar.get_x() + bar.get_width() / 2, height), xytext=(0, 3),
                    textcoords='offset points', ha='center', va='bottom', fontsize='x-small')


def plot_step_bars(steps: np.ndarray, out_dir: str, class_name: str, iou_type: str) -> None:
    """AP of each step (FN left out) per area range, as bars."""
    plt = _pyplot()
    fig, ax = plt.subplots()
    positions, width = np.arange(len(AREA_NAMES)), 0.6
    title = f'{iou_type}-{class_name}-ap bar plot'
    for i, name in enumerate(ERROR_TYPES[:-1]):
        aps = [area.mean() for area in steps[i, ..., 0].T]
        bars = ax.bar(positions - width / 2 + (i + 1) * width / len(ERROR_TYPES), aps, width / len(ERROR_TYPES),
                      label=name)
        _label_bars(ax, bars)
    ax.set(ylabel='Mean Average Precision (mAP)', title=title, xticks=positions)
    ax.set_xticklabels(AREA_NAMES)
    ax.legend()
    fig.savefig(osp.join(out_dir, f'{title}.png'))
    plt.close(fig)


def plot_gt_statistics(evaluator: COCOeval, out_dir: str) -> dict:
    """Bar plot of the ground truth per area range and a histogram of sqrt(area); returns the counts."""
    plt = _pyplot()
    counts = gt_counts_per_area(evaluator)
    fig, ax = plt.subplots()
    title = 'number of annotations per area group'
    _label_bars(ax, ax.bar(np.arange(len(counts)), list(counts.values()), 0.6))
    ax.set(ylabel='Number of annotations', title=title, xticks=np.arange(len(counts)))
    ax.set_xticklabels(list(counts))
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, f'{title}.png'))
    plt.close(fig)
    fig, ax = plt.subplots()
    title = 'gt annotation areas histogram plot'
    ax.hist(np.sqrt([ann['area'] for ann in evaluator.cocoGt.anns.values()]), bins=100)
    ax.set(xlabel='Squareroot Area', ylabel='Number of annotations', title=title)
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, f'{title}.png'))
    plt.close(fig)
    return counts


def analyze_results(res_file: str, ann_file: str, res_types: list, out_dir: str, extraplots: bool = False,
                    areas=None, nproc: int = 1) -> dict:
    """Write the plots for each result type; return ``{type: (rec_thrs, steps)}``."""
    for res_type in res_types:
        if res_type not in ('bbox', 'segm'):
            raise ValueError(f'--types: {res_type!r} is not bbox or segm')
    if areas and len(areas) != 3:
        raise ValueError(f'--areas needs 3 numbers (small/medium and medium/large limits, largest area), got {areas}')
    for path in (res_file, ann_file):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path} does not exist')
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO(ann_file)
        coco_dt = coco_gt.loadRes(res_file)
    outputs = {}
    for res_type in res_types:
        type_dir = osp.join(out_dir, res_type)
        os.makedirs(type_dir, exist_ok=True)
        rec_thrs, steps, evaluator = error_precisions(coco_gt, coco_dt, res_type, areas, nproc)
        for k, cat_id in enumerate(coco_gt.getCatIds()):
            name = coco_gt.loadCats(cat_id)[0]['name']
            plot_steps(rec_thrs, steps[:, :, k], type_dir, name, res_type)
            if extraplots:
                plot_step_bars(steps[:, :, k], type_dir, name, res_type)
        plot_steps(rec_thrs, steps, type_dir, 'allclass', res_type)
        if extraplots:
            plot_step_bars(steps, type_dir, 'allclass', res_type)
            print('number of annotations per area group:', plot_gt_statistics(evaluator, type_dir))
        outputs[res_type] = (rec_thrs, steps)
    return outputs


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description='Break COCO AP down by error type (localisation, confusion, '
                                     'background, misses)')
    parser.add_argument('result', help='COCO-style results .json')
    parser.add_argument('out_dir', help='folder for the plots (one subfolder per result type)')
    parser.add_argument('--ann', default='data/coco/annotations/instances_val2017.json',
                        help='the COCO annotation file the results are for')
    parser.add_argument('--types', type=str, nargs='+', default=['bbox'], help='bbox and/or segm')
    parser.add_argument('--extraplots', action='store_true', help='also AP bars and ground-truth area statistics')
    parser.add_argument('--areas', type=int, nargs='+', default=[1024, 9216, 10000000000],
                        help='small/medium limit, medium/large limit and largest area, in pixels')
    parser.add_argument('--nproc', type=int, default=1, help='processes for the per-class evaluations')
    args = parser.parse_args(argv)
    return analyze_results(args.result, args.ann, args.types, args.out_dir, args.extraplots, args.areas, args.nproc)


if __name__ == '__main__':
    main()

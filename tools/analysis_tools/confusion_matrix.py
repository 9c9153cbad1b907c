"""Confusion matrix of saved detection results (``tools/test.py --out results.pkl``): mmdet's tool.

    python tools/analysis_tools/confusion_matrix.py CONFIG results.pkl SAVE_DIR [--score-thr 0.3] [--show]

Rows are ground-truth classes plus "background" (detections matching no box), columns are detected
classes plus "background" (boxes no detection matched); the plot shows each row in percent.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # run from a checkout too

from mmlite.apis.saved_results import load_test_set_and_results  # noqa: E402
from mmlite.core.evaluation import bbox_overlaps  # noqa: E402
from mmlite.ops import nms  # noqa: E402
from mmlite.utils import DictAction, mkdir_or_exist  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Confusion matrix (with a background row and column) of test results')
    parser.add_argument('config', help='the config file')
    parser.add_argument('prediction_path', help='results .pkl written by tools/test.py --out')
    parser.add_argument('save_dir', help='folder for confusion_matrix.png')
    parser.add_argument('--show', action='store_true', help='(the figure is only written to a file)')
    parser.add_argument('--color-theme', default='plasma', help='matplotlib colormap name')
    parser.add_argument('--score-thr', type=float, default=0.3, help='ignore detections scoring below this')
    parser.add_argument('--tp-iou-thr', type=float, default=0.5,
                        help='a detection matches a ground truth box at this IoU or more')
    parser.add_argument('--nms-iou-thr', type=float, default=None, help='run class-wise NMS at this IoU on the '
                        'results first (default: none)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config entries to change, as key=value pairs '
                        '(dotted keys for nested entries), applied after the file is read')
    return parser.parse_args(argv)


def analyze_per_img_dets(confusion_matrix: np.ndarray, gt_bboxes: np.ndarray, gt_labels: np.ndarray,
                         result: list, score_thr: float = 0, tp_iou_thr: float = 0.5,
                         nms_iou_thr: float | None = None) -> None:
    """Add one image's detections (per-class ``(n, 5)`` arrays) to ``confusion_matrix`` in place."""
    true_positives = np.zeros(len(gt_labels))
    for det_label, det_bboxes in enumerate(result):
        if nms_iou_thr and len(det_bboxes):
            det_bboxes, _ = nms(det_bboxes[:, :4], det_bboxes[:, -1], nms_iou_thr)
        ious = bbox_overlaps(det_bboxes[:, :4], gt_bboxes)
        for i, det_bbox in enumerate(det_bboxes):
            if det_bbox[4] < score_thr:
                continue
            matched = ious[i] >= tp_iou_thr
            for j in np.nonzero(matched)[0]:
                true_positives[j] += gt_labels[j] == det_label
                confusion_matrix[gt_labels[j], det_label] += 1
            if not matched.any():
                confusion_matrix[-1, det_label] += 1  # a detection of background
    for num_tp, gt_label in zip(true_positives, gt_labels):
        if num_tp == 0:
            confusion_matrix[gt_label, -1] += 1  # a missed box


def calculate_confusion_matrix(dataset, results: list, score_thr: float = 0, nms_iou_thr: float | None = None,
                               tp_iou_thr: float = 0.5) -> np.ndarray:
    """``(num_classes + 1, num_classes + 1)`` counts over the dataset (boxes of mask results are used)."""
    num_classes = len(dataset.CLASSES)
    confusion_matrix = np.zeros((num_classes + 1, num_classes + 1))
    for idx, per_img_res in enumerate(results):
        result = per_img_res[0] if isinstance(per_img_res, tuple) else per_img_res
        ann = dataset.get_ann_info(idx)
        analyze_per_img_dets(confusion_matrix, ann['bboxes'], ann['labels'], result, score_thr, tp_iou_thr,
                             nms_iou_thr)
    return confusion_matrix


def plot_confusion_matrix(confusion_matrix: np.ndarray, labels: list, save_dir: str | None = None,
                          show: bool = True, title: str = 'Normalized Confusion Matrix',
                          color_theme: str = 'plasma') -> None:
    """Draw the matrix with each row in percent; save ``confusion_matrix.png`` in ``save_dir``."""
    import matplotlib
    if not show:
        matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    sums = confusion_matrix.sum(axis=1, keepdims=True)
    percent = confusion_matrix.astype(np.float32) / np.maximum(sums, 1) * 100
    size = len(labels)
    fig, ax = plt.subplots(figsize=(0.5 * size + 2, 0.5 * size * 0.8 + 2), dpi=180)
    image = ax.imshow(percent, cmap=plt.get_cmap(color_theme))
    fig.colorbar(mappable=image, ax=ax)
    ax.set_title(title, fontdict={'weight': 'bold', 'size': 12})
    ax.set_xlabel('Prediction', fontsize=10)
    ax.set_ylabel('Ground Truth', fontsize=10)
    ax.set_xticks(np.arange(size), labels, rotation=45, ha='left', rotation_mode='anchor')
    ax.set_yticks(np.arange(size), labels)
    ax.tick_params(axis='x', bottom=False, top=True, labelbottom=False, labeltop=True)
    for i in range(size):
        for j in range(size):
            value = percent[i, j]
            ax.text(j, i, f'{int(value) if not np.isnan(value) else -1}', ha='center', va='center', color='w',
                    size=7)
    fig.tight_layout()
    if save_dir is not None:
        mkdir_or_exist(save_dir)
        fig.savefig(osp.join(save_dir, 'confusion_matrix.png'), format='png')
    if show:
        plt.show()
    plt.close(fig)


def main(argv=None) -> np.ndarray:
    args = parse_args(argv)
    _, dataset, results = load_test_set_and_results(args.config, args.prediction_path, args.cfg_options)
    matrix = calculate_confusion_matrix(dataset, results, args.score_thr, args.nms_iou_thr, args.tp_iou_thr)
    plot_confusion_matrix(matrix, list(dataset.CLASSES) + ['background'], save_dir=args.save_dir, show=args.show,
                          color_theme=args.color_theme)
    return matrix


if __name__ == '__main__':
    main()

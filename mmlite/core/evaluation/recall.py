"""Proposal recall (``eval_recalls``) at several proposal counts and IoU thresholds."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from terminaltables import AsciiTable

from ...utils import print_log
from .bbox_overlaps import bbox_overlaps


def _as_array(value, default) -> np.ndarray:
    if value is None:
        return np.array(default)
    if isinstance(value, Sequence):
        return np.array(value)
    if isinstance(value, (int, float)):
        return np.array([value])
    return np.asarray(value)


def set_recall_param(proposal_nums, iou_thrs) -> tuple[np.ndarray, np.ndarray]:
    return _as_array(proposal_nums, [100, 300, 1000]), _as_array(iou_thrs, [0.5])


def _greedy_matched_ious(ious: np.ndarray) -> np.ndarray:
    """For each gt, the IoU of a proposal matched one-to-one, greedily by highest IoU."""
    ious = ious.copy()
    matched = np.zeros(ious.shape[0])
    for j in range(ious.shape[0]):
        best_box = ious.argmax(axis=1)
        best = ious[np.arange(ious.shape[0]), best_box]
        gt = best.argmax()
        matched[j] = best[gt]
        ious[gt, :] = -1
        ious[:, best_box[gt]] = -1
    return matched


def _recalls(all_ious: list, proposal_nums: np.ndarray, thrs: np.ndarray) -> np.ndarray:
    total_gt = sum(ious.shape[0] for ious in all_ious)
    matched = np.zeros((proposal_nums.size, total_gt), dtype=np.float32)
    for k, num in enumerate(proposal_nums):
        parts = [_greedy_matched_ious(ious[:, :num]) if ious.size else np.zeros(ious.shape[0])
                 for ious in all_ious]
        matched[k] = np.concatenate(parts) if parts else np.zeros(0)
    recalls = np.zeros((proposal_nums.size, thrs.size))
    for i, thr in enumerate(thrs):
        recalls[:, i] = (matched >= thr).sum(axis=1) / max(float(total_gt), 1.0)
    return recalls


def _as_proposals(props) -> np.ndarray:
    """An ``(n, 4|5)`` array; a detector's per-class list of ``(n, 5)`` arrays is merged (class-agnostic)."""
    if isinstance(props, (list, tuple)):
        return np.concatenate(props) if len(props) else np.zeros((0, 5), dtype=np.float32)
    return props


def eval_recalls(gts: list, proposals: list, proposal_nums=None, iou_thrs=0.5, logger=None,
                 use_legacy_coordinate: bool = False) -> np.ndarray:
    """Recall of proposals against ground truth, ``(len(proposal_nums), len(iou_thrs))``.

    Each image's proposals are an ``(n, 4)`` or scored ``(n, 5)`` array, or a detector's per-class list of
    ``(n, 5)`` arrays (merged, so the recall is class-agnostic).
    """
    if len(gts) != len(proposals):
        raise ValueError(f'{len(gts)} ground-truth sets for {len(proposals)} proposal sets')
    proposal_nums, iou_thrs = set_recall_param(proposal_nums, iou_thrs)
    all_ious = []
    for gt, props in zip(gts, map(_as_proposals, proposals)):
        if props.ndim == 2 and props.shape[1] == 5:
            props = props[np.argsort(props[:, 4])[::-1]]
        num = min(props.shape[0], int(proposal_nums[-1]))
        if gt is None or gt.shape[0] == 0:
            all_ious.append(np.zeros((0, props.shape[0]), dtype=np.float32))
        else:
            all_ious.append(bbox_overlaps(gt, props[:num, :4], use_legacy_coordinate=use_legacy_coordinate))
    recalls = _recalls(all_ious, proposal_nums, iou_thrs)
    print_recall_summary(recalls, proposal_nums, iou_thrs, logger=logger)
    return recalls


def print_recall_summary(recalls: np.ndarray, proposal_nums, iou_thrs, row_idxs=None, col_idxs=None,
                         logger=None) -> None:
    """Print recalls as a table (rows: proposal counts, columns: IoU thresholds)."""
    if logger == 'silent':
        return
    proposal_nums, iou_thrs = np.array(proposal_nums, dtype=np.int32), np.array(iou_thrs)
    rows_i = np.arange(proposal_nums.size) if row_idxs is None else row_idxs
    cols_i = np.arange(iou_thrs.size) if col_idxs is None else col_idxs
    table = [[''] + iou_thrs[cols_i].tolist()]
    for i, num in zip(rows_i, proposal_nums[rows_i]):
        table.append([num] + [f'{v:.3f}' for v in recalls[i, cols_i].tolist()])
    print_log('\n' + AsciiTable(table).table, logger=logger)

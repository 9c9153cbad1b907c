"""PISA's prime-sample weighting: ``isr_p`` (positive importance reweighting) and ``carl_loss``."""
from __future__ import annotations

import torch

from ...core.bbox import bbox_overlaps


def _ranks(values: torch.Tensor) -> torch.Tensor:
    """Each value's rank in descending order (0 for the largest)."""
    return values.sort(descending=True)[1].sort()[1]


def _class_specific(bbox_pred: torch.Tensor, inds: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The ``(n, 4)`` deltas of rows ``inds`` (of class ``labels`` when the prediction is per class)."""
    if bbox_pred.size(-1) > 4:
        return bbox_pred.view(bbox_pred.size(0), -1, 4)[inds, labels]
    return bbox_pred[inds].view(-1, 4)


@torch.no_grad()
def _hierarchical_iou_ranks(ious: torch.Tensor, labels: torch.Tensor, gts: torch.Tensor) -> tuple:
    """IoU-HLR: per class, each positive's rank after first ranking the positives of each gt by IoU (a gt's
    best comes first, then every gt's second...); and the size of the largest class."""
    largest = labels.bincount().max()
    keys = ious.clone()
    for label in labels.unique():
        of_label = (labels == label).nonzero().view(-1)
        for gt in gts[of_label].unique():
            of_gt = of_label[gts[of_label] == gt]
            keys[of_gt] += largest - _ranks(keys[of_gt]).float()
    ranks = torch.zeros_like(ious)
    for label in labels.unique():
        of_label = (labels == label).nonzero().view(-1)
        ranks[of_label] = _ranks(keys[of_label]).float()
    return ranks, largest


def isr_p(cls_score, bbox_pred, bbox_targets: tuple, rois, sampling_results, loss_cls, bbox_coder, k: float = 2,
          bias: float = 0, num_class: int = 80) -> tuple:
    """Importance-based sample reweighting of the positives (PISA, Cao et al., 2020).

    Each positive's classification weight becomes ``(bias + (1 - bias) * (largest - hlr) / largest) ** k`` from
    its IoU hierarchical local rank (decoded prediction vs target), then all positive weights are rescaled so
    the positives' summed classification loss is unchanged.

    Args:
        cls_score / bbox_pred: Predictions of the sampled RoIs (or anchors), detached here.
        bbox_targets: ``(labels, label_weights, bbox_targets, bbox_weights)``; the label weights are updated.
        rois: ``(n, 5)`` RoIs or ``(n, 4)`` anchors.
        sampling_results: Per image, whose ``pos_assigned_gt_inds`` identify each positive's gt.
        loss_cls / bbox_coder: The head's classification loss and box coder.

    Returns:
        ``bbox_targets`` with the positives' label weights replaced.
    """
    labels, label_weights, box_targets, box_weights = bbox_targets
    pos = ((labels >= 0) & (labels < num_class)).nonzero().reshape(-1)
    if pos.numel() == 0:
        return labels, label_weights, box_targets, box_weights
    pos_labels = labels[pos]
    gts, offset = [], 0
    for result in sampling_results:  # gt ids unique over the batch (mmdet's offsets: one past each image's largest)
        gts.append(result.pos_assigned_gt_inds + offset)
        if len(result.pos_assigned_gt_inds):
            offset = result.pos_assigned_gt_inds.max() + 1
    gts = torch.cat(gts)
    if len(gts) != len(pos):
        raise ValueError(f'isr_p: {len(gts)} positives in the sampling results, {len(pos)} in the labels')
    cls_score, bbox_pred = cls_score.detach(), bbox_pred.detach()
    pos_rois = rois[pos][:, 1:] if rois.size(-1) == 5 else rois[pos]
    with torch.no_grad():
        pred_boxes = bbox_coder.decode(pos_rois, _class_specific(bbox_pred, pos, pos_labels))
        target_boxes = bbox_coder.decode(pos_rois, box_targets[pos].view(-1, 4))
        ious = bbox_overlaps(pred_boxes, target_boxes, is_aligned=True)
        ranks, largest = _hierarchical_iou_ranks(ious, pos_labels, gts)
        weights = label_weights[pos] * (largest - ranks) / largest
        weights = (bias + weights * (1 - bias)).pow(k)
        pos_loss = loss_cls(cls_score[pos], pos_labels, reduction_override='none')
        old_weights = label_weights[pos]
        if pos_loss.dim() > 1:
            old_weights, new_weights = old_weights[:, None], weights[:, None]
        else:
            new_weights = weights
        weights = weights * (pos_loss * old_weights).sum() / (pos_loss * new_weights).sum()
    label_weights = label_weights.clone()
    label_weights[pos] = weights
    return labels, label_weights, box_targets, box_weights


def carl_loss(cls_score, labels, bbox_pred, bbox_targets, loss_bbox, k: float = 1, bias: float = 0.2,
              avg_factor=None, sigmoid: bool = False, num_class: int = 80) -> dict:
    """Classification-aware regression loss: the positives' box loss weighted by
    ``(bias + (1 - bias) * p) ** k`` of their class probability ``p`` (normalised to average 1), with the
    gradient reaching the classifier through ``p``.

    Returns:
        ``dict(loss_carl=...)`` (a 1-element tensor, as mmdet).
    """
    pos = ((labels >= 0) & (labels < num_class)).nonzero().reshape(-1)
    if pos.numel() == 0:
        return dict(loss_carl=cls_score.sum()[None] * 0.)
    pos_labels = labels[pos]
    probs = cls_score.sigmoid() if sigmoid else cls_score.softmax(-1)
    weights = (bias + (1 - bias) * probs[pos, pos_labels]).pow(k)
    weights = weights * (len(pos) / weights.sum())
    avg_factor = bbox_targets.size(0) if avg_factor is None else avg_factor
    box_loss = loss_bbox(_class_specific(bbox_pred, pos, pos_labels), bbox_targets[pos],
                         reduction_override='none') / avg_factor
    return dict(loss_carl=(box_loss * weights[:, None]).sum()[None])

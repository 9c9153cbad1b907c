"""``SimOTAAssigner``: YOLOX's simplified optimal-transport assignment (dynamic top-k by cost)."""
from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F

from .assign import AssignResult, BaseAssigner
from .builder import BBOX_ASSIGNERS
from .iou import bbox_overlaps

INF = 100000.0


@BBOX_ASSIGNERS.register_module()
class SimOTAAssigner(BaseAssigner):
    """Each gt takes the ``k`` priors of lowest cost (``cls_weight`` x BCE of the scores' square root +
    ``iou_weight`` x -log IoU, and a large penalty outside both the box and its centre region), ``k`` being the
    summed IoU of its ``candidate_topk`` best predictions; a prior claimed twice goes to its cheapest gt.

    Args:
        center_radius: Half-size of the centre region, in strides. Defaults to 2.5.
        candidate_topk: Predictions whose IoUs set a gt's ``k``. Defaults to 10.
        iou_weight / cls_weight: Weights of the cost terms. Default to 3.0 / 1.0.
    """

    def __init__(self, center_radius: float = 2.5, candidate_topk: int = 10, iou_weight: float = 3.0,
                 cls_weight: float = 1.0):
        self.center_radius, self.candidate_topk = center_radius, candidate_topk
        self.iou_weight, self.cls_weight = iou_weight, cls_weight

    def assign(self, pred_scores: torch.Tensor, priors: torch.Tensor, decoded_bboxes: torch.Tensor,
               gt_bboxes: torch.Tensor, gt_labels: torch.Tensor, gt_bboxes_ignore=None,
               eps: float = 1e-7) -> AssignResult:
        """Assign ``priors`` (``(n, 4)`` centre x, y and strides) with scores ``pred_scores`` (``(n, C)``,
        probabilities) and boxes ``decoded_bboxes`` to ``gt_bboxes``; ``max_overlaps`` holds the positives'
        IoU with their gt (-INF elsewhere). Falls back to the CPU when CUDA runs out of memory."""
        try:
            return self._assign(pred_scores, priors, decoded_bboxes, gt_bboxes, gt_labels, eps)
        except torch.cuda.OutOfMemoryError:
            device = pred_scores.device
            warnings.warn('SimOTAAssigner ran out of GPU memory; this batch is assigned on the CPU. Reduce the '
                          'batch or image size to avoid it.')
            torch.cuda.empty_cache()
            result = self._assign(pred_scores.cpu(), priors.cpu(), decoded_bboxes.cpu(), gt_bboxes.cpu().float(),
                                  gt_labels.cpu(), eps)
            result.gt_inds, result.max_overlaps = result.gt_inds.to(device), result.max_overlaps.to(device)
            result.labels = result.labels.to(device)
            return result

    def _assign(self, pred_scores, priors, decoded_bboxes, gt_bboxes, gt_labels, eps: float) -> AssignResult:
        num_gt, num_bboxes = gt_bboxes.size(0), decoded_bboxes.size(0)
        assigned_gt_inds = decoded_bboxes.new_zeros((num_bboxes, ), dtype=torch.long)
        valid_mask, in_box_and_center = self.get_in_gt_and_in_center_info(priors, gt_bboxes)
        valid_boxes, valid_scores = decoded_bboxes[valid_mask], pred_scores[valid_mask]
        num_valid = valid_boxes.size(0)
        if num_gt == 0 or num_bboxes == 0 or num_valid == 0:
            labels = decoded_bboxes.new_full((num_bboxes, ), -1, dtype=torch.long)
            return AssignResult(num_gt, assigned_gt_inds, decoded_bboxes.new_zeros((num_bboxes, )), labels=labels)
        pairwise_ious = bbox_overlaps(valid_boxes, gt_bboxes)
        iou_cost = -torch.log(pairwise_ious + eps)
        onehot = F.one_hot(gt_labels.long(), pred_scores.shape[-1]).float().unsqueeze(0).expand(num_valid, -1, -1)
        scores = valid_scores.to(torch.float32).sqrt().unsqueeze(1).expand(-1, num_gt, -1)
        cls_cost = F.binary_cross_entropy(scores, onehot, reduction='none').sum(-1).to(valid_scores.dtype)
        cost = cls_cost * self.cls_weight + iou_cost * self.iou_weight + (~in_box_and_center) * INF
        matched_ious, matched_gt_inds = self.dynamic_k_matching(cost, pairwise_ious, num_gt, valid_mask)
        assigned_gt_inds[valid_mask] = matched_gt_inds + 1
        labels = assigned_gt_inds.new_full((num_bboxes, ), -1)
        labels[valid_mask] = gt_labels[matched_gt_inds].long()
        max_overlaps = assigned_gt_inds.new_full((num_bboxes, ), -INF, dtype=torch.float32)
        max_overlaps[valid_mask] = matched_ious
        return AssignResult(num_gt, assigned_gt_inds, max_overlaps, labels=labels)

    def get_in_gt_and_in_center_info(self, priors: torch.Tensor, gt_bboxes: torch.Tensor) -> tuple:
        """The priors inside any gt box or centre region, and (for those) whether each lies inside both of a
        gt's."""
        x, y = priors[:, 0:1], priors[:, 1:2]
        in_gts = torch.stack([x - gt_bboxes[:, 0], y - gt_bboxes[:, 1], gt_bboxes[:, 2] - x,
                              gt_bboxes[:, 3] - y], dim=1).min(dim=1).values > 0
        cx, cy = (gt_bboxes[:, 0] + gt_bboxes[:, 2]) / 2.0, (gt_bboxes[:, 1] + gt_bboxes[:, 3]) / 2.0
        rx, ry = self.center_radius * priors[:, 2:3], self.center_radius * priors[:, 3:4]
        in_cts = torch.stack([x - (cx - rx), y - (cy - ry), (cx + rx) - x, (cy + ry) - y],
                             dim=1).min(dim=1).values > 0
        valid = in_gts.any(dim=1) | in_cts.any(dim=1)
        return valid, in_gts[valid] & in_cts[valid]

    def dynamic_k_matching(self, cost: torch.Tensor, pairwise_ious: torch.Tensor, num_gt: int,
                           valid_mask: torch.Tensor) -> tuple:
        """The matched IoUs and gt indices of the valid priors kept; narrows ``valid_mask`` (in place) to
        them. The per-gt top-k runs as one batched top-k."""
        candidate_topk = min(self.candidate_topk, pairwise_ious.size(0))
        dynamic_ks = torch.topk(pairwise_ious, candidate_topk, dim=0).values.sum(0).int().clamp(min=1)
        max_k = int(dynamic_ks.max())
        order = torch.topk(cost, max_k, dim=0, largest=False).indices  # (max_k, num_gt)
        take = torch.arange(max_k, device=cost.device)[:, None] < dynamic_ks[None]
        gt_index = torch.arange(num_gt, device=cost.device).expand(max_k, -1)
        matching = torch.zeros_like(cost, dtype=torch.bool)
        matching[order[take], gt_index[take]] = True
        multiple = matching.sum(1) > 1
        if multiple.any():
            cheapest = cost[multiple].argmin(dim=1)
            matching[multiple] = F.one_hot(cheapest, num_gt).bool()
        foreground = matching.any(1)
        valid_mask[valid_mask.clone()] = foreground
        matching = matching[foreground]
        return pairwise_ious[foreground][matching], matching.to(torch.uint8).argmax(1)

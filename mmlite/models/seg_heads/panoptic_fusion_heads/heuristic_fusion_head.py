"""``HeuristicFusionHead``: Panoptic FPN's fusion (instances by score, then stuff on the uncovered pixels)."""
from __future__ import annotations

import torch

from ....core.evaluation.panoptic_utils import INSTANCE_OFFSET
from ...builder import HEADS
from .base_panoptic_fusion_head import BasePanopticFusionHead


@HEADS.register_module()
class HeuristicFusionHead(BasePanopticFusionHead):
    """Paste thresholded instance masks in descending score order (a mask mostly covered by earlier ones is
    dropped; the rest fills only free pixels), label the remaining pixels by the semantic argmax, and turn
    stuff regions smaller than ``stuff_area_limit`` into VOID. ``test_cfg``: ``mask_thr_binary``,
    ``mask_overlap``, ``stuff_area_limit``."""

    def __init__(self, num_things_classes: int = 80, num_stuff_classes: int = 53, test_cfg=None, init_cfg=None,
                 **kwargs):
        super().__init__(num_things_classes, num_stuff_classes, test_cfg, None, init_cfg, **kwargs)

    def forward_train(self, gt_masks=None, gt_semantic_seg=None, **kwargs) -> dict:
        """No training loss."""
        return dict()

    def _lay_masks(self, bboxes: torch.Tensor, labels: torch.Tensor, masks: torch.Tensor,
                   overlap_thr: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
        """An ``(H, W)`` map of instance ids ``1..k`` (0: none) and the labels of the ``k`` kept instances."""
        id_map = torch.zeros(masks.shape[-2:], device=masks.device, dtype=torch.long)
        if bboxes.shape[0] == 0:
            return id_map, labels
        order = torch.argsort(-bboxes[:, -1])
        kept = []
        for index in order.tolist():
            mask = masks[index]
            area = mask.sum()
            if area == 0:
                continue
            free = id_map == 0
            if (area - (mask & free).sum()) / (area + 1e-5) > overlap_thr:
                continue
            id_map[mask & free] = len(kept) + 1
            kept.append(index)
        return id_map, labels[kept] if kept else labels.new_zeros((0, ))

    def simple_test(self, det_bboxes: torch.Tensor, det_labels: torch.Tensor, mask_preds: torch.Tensor,
                    seg_preds: torch.Tensor, **kwargs) -> torch.Tensor:
        """The ``(H, W)`` panoptic map: ``label + instance_id * INSTANCE_OFFSET`` for things (ids from 1),
        the stuff label, or ``num_classes`` (VOID).

        Args:
            det_bboxes: ``(K, 5)`` detections with scores.
            det_labels: ``(K, )`` thing labels.
            mask_preds: ``(K, H, W)`` mask probabilities (or booleans).
            seg_preds: ``(num_stuff + 1, H, W)`` semantic logits (the last channel: things).
        """
        masks = mask_preds >= self.test_cfg.mask_thr_binary
        id_map, labels = self._lay_masks(det_bboxes, det_labels, masks, self.test_cfg.mask_overlap)
        pan = seg_preds.argmax(dim=0) + self.num_things_classes  # the "thing" channel becomes VOID
        for i, label in enumerate(labels.tolist()):
            pan[id_map == i + 1] = label + (i + 1) * INSTANCE_OFFSET
        ids, counts = torch.unique(pan % INSTANCE_OFFSET, return_counts=True)
        small = ids[(ids >= self.num_things_classes) & (counts < self.test_cfg.stuff_area_limit)]
        pan[torch.isin(pan, small)] = self.num_classes
        return pan

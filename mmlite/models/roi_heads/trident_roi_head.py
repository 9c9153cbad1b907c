"""``TridentRoIHead``: the box head of TridentNet, merging the branches' detections of each image by NMS."""
from __future__ import annotations

import torch

from ...core.bbox import bbox2result
from ...core.post_processing import batched_nms
from ..builder import HEADS
from .standard_roi_head import StandardRoIHead


@HEADS.register_module()
class TridentRoIHead(StandardRoIHead):
    """:class:`StandardRoIHead` over the branch-major batch of ``num_branch`` copies of each image (one when
    testing with ``test_branch_idx >= 0``); at test time the copies' detections are merged by class-wise NMS
    (``test_cfg.nms``, at most ``test_cfg.max_per_img``)."""

    def __init__(self, num_branch: int, test_branch_idx: int, **kwargs):
        self.num_branch, self.test_branch_idx = num_branch, test_branch_idx
        super().__init__(**kwargs)

    def merge_trident_bboxes(self, trident_det_bboxes: torch.Tensor, trident_det_labels: torch.Tensor) -> tuple:
        """One image's detections from all branches after NMS."""
        if trident_det_bboxes.numel() == 0:
            return trident_det_bboxes.new_zeros((0, 5)), trident_det_bboxes.new_zeros((0, ), dtype=torch.long)
        det_bboxes, keep = batched_nms(trident_det_bboxes[:, :4], trident_det_bboxes[:, 4].contiguous(),
                                       trident_det_labels, self.test_cfg['nms'])
        det_labels = trident_det_labels[keep]
        max_per_img = self.test_cfg['max_per_img']
        if max_per_img > 0:
            det_bboxes, det_labels = det_bboxes[:max_per_img], det_labels[:max_per_img]
        return det_bboxes, det_labels

    def simple_test(self, x, proposal_list, img_metas, proposals=None, rescale: bool = False) -> list:
        """Per image mmdet box results (``img_metas`` holds the branch-major copies)."""
        det_bboxes_list, det_labels_list = self.simple_test_bboxes(x, img_metas, proposal_list, self.test_cfg,
                                                                   rescale=rescale)
        num_branch = self.num_branch if self.test_branch_idx == -1 else 1
        num_imgs = len(img_metas) // num_branch
        results = []
        for i in range(num_imgs):
            branches = range(i, len(img_metas), num_imgs)  # image i in every branch
            bboxes, labels = self.merge_trident_bboxes(
                torch.cat([det_bboxes_list[j].reshape(-1, 5) for j in branches]),
                torch.cat([det_labels_list[j] for j in branches]))
            results.append(bbox2result(bboxes, labels, self.bbox_head.num_classes))
        return results

"""``BaseRoIHead``: the second stage's components (box/mask extractors and heads, assigner, sampler)."""
from __future__ import annotations

from ...runner import BaseModule
from ..builder import build_head, build_roi_extractor, build_shared_head


def assign_and_sample(assigner, sampler, x, proposal_list: list, gt_bboxes: list, gt_labels: list,
                      gt_bboxes_ignore=None) -> list:
    """Per image, the ``SamplingResult`` of the proposals against the ground truth."""
    if gt_bboxes_ignore is None:
        gt_bboxes_ignore = [None] * len(proposal_list)
    results = []
    for i, proposals in enumerate(proposal_list):
        assign_result = assigner.assign(proposals, gt_bboxes[i], gt_bboxes_ignore[i], gt_labels[i])
        results.append(sampler.sample(assign_result, proposals, gt_bboxes[i], gt_labels[i],
                                      feats=[level[i][None] for level in x]))
    return results


class BaseRoIHead(BaseModule):
    """Build the bbox and (optionally) mask branches; subclasses define training and testing.

    Args:
        bbox_roi_extractor / bbox_head: Box branch configs.
        mask_roi_extractor / mask_head: Mask branch configs (the mask branch reuses the box
            extractor when ``mask_roi_extractor`` is None).
        shared_head: Optional head run on the pooled features of both branches.
        train_cfg / test_cfg: ``model.train_cfg.rcnn`` / ``model.test_cfg.rcnn``.
    """

    def __init__(self, bbox_roi_extractor=None, bbox_head=None, mask_roi_extractor=None, mask_head=None,
                 shared_head=None, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(init_cfg)
        self.train_cfg, self.test_cfg = train_cfg, test_cfg
        if shared_head is not None:
            shared_head = dict(shared_head)
            if pretrained is not None:
                shared_head['pretrained'] = pretrained
            self.shared_head = build_shared_head(shared_head)
        if bbox_head is not None:
            self.init_bbox_head(bbox_roi_extractor, bbox_head)
        if mask_head is not None:
            self.init_mask_head(mask_roi_extractor, mask_head)
        self.init_assigner_sampler()

    @property
    def with_bbox(self) -> bool:
        return getattr(self, 'bbox_head', None) is not None

    @property
    def with_mask(self) -> bool:
        return getattr(self, 'mask_head', None) is not None

    @property
    def with_shared_head(self) -> bool:
        return getattr(self, 'shared_head', None) is not None

    def init_bbox_head(self, bbox_roi_extractor, bbox_head) -> None:
        self.bbox_roi_extractor = build_roi_extractor(bbox_roi_extractor)
        self.bbox_head = build_head(bbox_head)

    def init_mask_head(self, mask_roi_extractor, mask_head) -> None:
        if mask_roi_extractor is not None:
            self.mask_roi_extractor = build_roi_extractor(mask_roi_extractor)
            self.share_roi_extractor = False
        else:
            self.share_roi_extractor = True
            self.mask_roi_extractor = self.bbox_roi_extractor
        self.mask_head = build_head(mask_head)

    def init_assigner_sampler(self) -> None:
        raise NotImplementedError

    def forward_train(self, x, img_metas, proposal_list, gt_bboxes, gt_labels, gt_bboxes_ignore=None,
                      gt_masks=None, **kwargs) -> dict:
        raise NotImplementedError

    def simple_test(self, x, proposal_list, img_metas, proposals=None, rescale: bool = False, **kwargs):
        raise NotImplementedError

    def aug_test(self, x, proposal_list, img_metas, rescale: bool = False, **kwargs):
        raise NotImplementedError

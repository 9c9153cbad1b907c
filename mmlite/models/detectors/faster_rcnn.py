"""``FastRCNN``, ``FasterRCNN``, ``MaskRCNN``, ``MaskScoringRCNN`` and ``RetinaNet``: mmdet's signatures."""
from __future__ import annotations

from ..builder import DETECTORS
from .single_stage import SingleStageDetector
from .two_stage import TwoStageDetector


@DETECTORS.register_module()
class FasterRCNN(TwoStageDetector):
    """Faster R-CNN (Ren et al., 2015)."""

    def __init__(self, backbone, rpn_head, roi_head, train_cfg, test_cfg, neck=None, pretrained=None, init_cfg=None):
        super().__init__(backbone=backbone, neck=neck, rpn_head=rpn_head, roi_head=roi_head, train_cfg=train_cfg,
                         test_cfg=test_cfg, pretrained=pretrained, init_cfg=init_cfg)


@DETECTORS.register_module()
class MaskRCNN(TwoStageDetector):
    """Mask R-CNN (He et al., 2017)."""

    def __init__(self, backbone, rpn_head, roi_head, train_cfg, test_cfg, neck=None, pretrained=None, init_cfg=None):
        super().__init__(backbone=backbone, neck=neck, rpn_head=rpn_head, roi_head=roi_head, train_cfg=train_cfg,
                         test_cfg=test_cfg, pretrained=pretrained, init_cfg=init_cfg)


@DETECTORS.register_module()
class RetinaNet(SingleStageDetector):
    """RetinaNet (Lin et al., 2017)."""

    def __init__(self, backbone, neck, bbox_head, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)


@DETECTORS.register_module()
class MaskScoringRCNN(TwoStageDetector):
    """Mask Scoring R-CNN (Huang et al., 2019): Mask R-CNN whose masks are scored by a ``MaskIoUHead``."""

    def __init__(self, backbone, rpn_head, roi_head, train_cfg, test_cfg, neck=None, pretrained=None, init_cfg=None):
        super().__init__(backbone=backbone, neck=neck, rpn_head=rpn_head, roi_head=roi_head, train_cfg=train_cfg,
                         test_cfg=test_cfg, pretrained=pretrained, init_cfg=init_cfg)


@DETECTORS.register_module()
class FastRCNN(TwoStageDetector):
    """Fast R-CNN (Girshick, 2015): an RoI head on precomputed proposals (``proposals`` of the batch, from a
    dataset's ``proposal_file`` and ``LoadProposals``); no RPN."""

    def __init__(self, backbone, roi_head, train_cfg, test_cfg, neck=None, pretrained=None, init_cfg=None):
        super().__init__(backbone=backbone, neck=neck, roi_head=roi_head, train_cfg=train_cfg, test_cfg=test_cfg,
                         pretrained=pretrained, init_cfg=init_cfg)

    def forward_test(self, imgs: list, img_metas: list, proposals: list | None = None, **kwargs):
        """As :meth:`BaseDetector.forward_test`, with the proposals of each augmentation (required)."""
        if proposals is None:
            raise ValueError('FastRCNN needs precomputed proposals at test time: give the dataset a proposal_file '
                             "and put LoadProposals and Collect(keys=[..., 'proposals']) in the test pipeline")
        if len(imgs) != 1:
            raise NotImplementedError('FastRCNN has no test-time augmentation (as mmdet)')
        return super().forward_test(imgs, img_metas, proposals=proposals, **kwargs)


@DETECTORS.register_module()
class PointRend(TwoStageDetector):
    """PointRend (Kirillov et al., 2020): Mask R-CNN whose ``PointRendRoIHead`` refines coarse masks point by
    point."""

    def __init__(self, backbone, rpn_head, roi_head, train_cfg, test_cfg, neck=None, pretrained=None, init_cfg=None):
        super().__init__(backbone=backbone, neck=neck, rpn_head=rpn_head, roi_head=roi_head, train_cfg=train_cfg,
                         test_cfg=test_cfg, pretrained=pretrained, init_cfg=init_cfg)


@DETECTORS.register_module()
class AutoAssign(SingleStageDetector):
    """AutoAssign (Zhu et al., 2020): a single-stage detector with an ``AutoAssignHead``."""

    def __init__(self, backbone, neck, bbox_head, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)


@DETECTORS.register_module()
class DDOD(SingleStageDetector):
    """DDOD (Chen et al., 2021): a single-stage detector with a ``DDODHead``."""

    def __init__(self, backbone, neck, bbox_head, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)

"""``DETR`` (and, with a deformable head, ``DeformableDETR``): a backbone and a transformer detection head."""
from __future__ import annotations

from ..builder import DETECTORS
from .single_stage import SingleStageDetector


@DETECTORS.register_module()
class DETR(SingleStageDetector):
    """DETR (Carion et al., 2020): no neck; the head decodes object queries from the backbone's last map."""

    def __init__(self, backbone, bbox_head, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(backbone, None, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)

    def forward_dummy(self, img):
        """Raw head outputs for an unpadded batch (for FLOPs counting; attention is not counted)."""
        height, width = img.shape[-2:]
        metas = [dict(batch_input_shape=(height, width), img_shape=(height, width, 3)) for _ in range(len(img))]
        return self.bbox_head(self.extract_feat(img), metas)


@DETECTORS.register_module()
class DeformableDETR(SingleStageDetector):
    """Deformable DETR (Zhu et al., 2021): backbone, a neck (``ChannelMapper``) and a ``DeformableDETRHead``."""

    def __init__(self, backbone, neck=None, bbox_head=None, train_cfg=None, test_cfg=None, pretrained=None,
                 init_cfg=None):
        super().__init__(backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)

    forward_dummy = DETR.forward_dummy

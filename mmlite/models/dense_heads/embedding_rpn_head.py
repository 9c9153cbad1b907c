"""``EmbeddingRPNHead``: Sparse R-CNN's learnt proposals, boxes and features shared by every image."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...core.bbox import bbox_cxcywh_to_xyxy
from ...runner import BaseModule
from ..builder import HEADS


@HEADS.register_module()
class EmbeddingRPNHead(BaseModule):
    """``num_proposals`` learnt boxes (normalised ``(cx, cy, w, h)``, starting as the whole image) and features.

    ``forward_train``/``simple_test_rpn`` return the boxes scaled to each image (``(N, num_proposals, 4)``
    ``xyxy``), the features (``(N, num_proposals, proposal_feature_channel)``) and each image's
    ``[w, h, w, h]`` (``(N, 1, 4)``).
    """

    def __init__(self, num_proposals: int = 100, proposal_feature_channel: int = 256, init_cfg=None, **kwargs):
        if init_cfg is not None:
            raise ValueError('EmbeddingRPNHead initialises its own weights; init_cfg is not allowed')
        super().__init__(init_cfg)
        self.num_proposals, self.proposal_feature_channel = num_proposals, proposal_feature_channel
        self.init_proposal_bboxes = nn.Embedding(num_proposals, 4)
        self.init_proposal_features = nn.Embedding(num_proposals, proposal_feature_channel)

    def init_weights(self) -> None:
        super().init_weights()
        nn.init.constant_(self.init_proposal_bboxes.weight[:, :2], 0.5)
        nn.init.constant_(self.init_proposal_bboxes.weight[:, 2:], 1)

    def _decode_init_proposals(self, imgs, img_metas) -> tuple:
        proposals = bbox_cxcywh_to_xyxy(self.init_proposal_bboxes.weight.clone())
        imgs_whwh = torch.cat([imgs[0].new_tensor([[meta['img_shape'][1], meta['img_shape'][0]] * 2])
                               for meta in img_metas])[:, None, :]
        features = self.init_proposal_features.weight.clone()
        return proposals * imgs_whwh, features[None].expand(len(imgs[0]), *features.shape), imgs_whwh

    def forward_train(self, img, img_metas) -> tuple:
        return self._decode_init_proposals(img, img_metas)

    def simple_test_rpn(self, img, img_metas) -> tuple:
        return self._decode_init_proposals(img, img_metas)

    def simple_test(self, img, img_metas):
        raise NotImplementedError('EmbeddingRPNHead only gives proposals: use simple_test_rpn')

    def aug_test_rpn(self, feats, img_metas):
        raise NotImplementedError('EmbeddingRPNHead does not support test-time augmentation (as mmdet)')

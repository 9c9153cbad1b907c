"""``DeformableDETRHead``: DETR's set prediction over several feature levels with a deformable transformer,
optional iterative box refinement and two-stage query selection."""
from __future__ import annotations

import copy

import torch
import torch.nn as nn

from ...cnn import bias_init_with_prob, constant_init
from ...core.utils import multi_apply
from ...runner import force_fp32
from ..builder import HEADS
from ..utils.detr_transformer import inverse_sigmoid
from .detr_head import DETRHead, decoder_layer_losses, padding_masks


@HEADS.register_module()
class DeformableDETRHead(DETRHead):
    """Deformable DETR (Zhu et al., 2021): per decoder layer a class and a box branch predicting offsets from the
    layer's reference points; with ``as_two_stage`` the encoder scores proposals (``enc_loss_*``) and the best
    ``two_stage_num_proposals`` become the queries.

    Args:
        with_box_refine: One branch pair per layer (refining the references layer by layer) instead of shared.
        as_two_stage: Two-stage query selection (sets the transformer's ``as_two_stage``).
    """

    def __init__(self, *args, with_box_refine: bool = False, as_two_stage: bool = False, transformer=None,
                 **kwargs):
        self.with_box_refine, self.as_two_stage = with_box_refine, as_two_stage
        if as_two_stage:
            transformer = dict(transformer, as_two_stage=True)
        super().__init__(*args, transformer=transformer, **kwargs)

    def _init_layers(self) -> None:
        fc_cls = nn.Linear(self.embed_dims, self.cls_out_channels)
        reg_layers = []
        for _ in range(self.num_reg_fcs):
            reg_layers += [nn.Linear(self.embed_dims, self.embed_dims), nn.ReLU()]
        reg_branch = nn.Sequential(*reg_layers, nn.Linear(self.embed_dims, 4))
        num_pred = self.transformer.decoder.num_layers + (1 if self.as_two_stage else 0)
        if self.with_box_refine:  # independent copies
            self.cls_branches = nn.ModuleList([copy.deepcopy(fc_cls) for _ in range(num_pred)])
            self.reg_branches = nn.ModuleList([copy.deepcopy(reg_branch) for _ in range(num_pred)])
        else:  # one module shared by every layer (listed once per layer in the state dict)
            self.cls_branches = nn.ModuleList([fc_cls for _ in range(num_pred)])
            self.reg_branches = nn.ModuleList([reg_branch for _ in range(num_pred)])
        if not self.as_two_stage:
            self.query_embedding = nn.Embedding(self.num_query, self.embed_dims * 2)

    def init_weights(self) -> None:
        """The transformer's init; class biases at prior 0.01 (sigmoid), zero last box layers (the first one's
        size logits at -2 unless two-stage)."""
        self.transformer.init_weights()
        if self.loss_cls.use_sigmoid:
            for branch in self.cls_branches:
                nn.init.constant_(branch.bias, bias_init_with_prob(0.01))
        for branch in self.reg_branches:
            constant_init(branch[-1], 0, bias=0)
        with torch.no_grad():
            self.reg_branches[0][-1].bias[2:] = 0.0 if self.as_two_stage else -2.0

    def forward(self, mlvl_feats, img_metas: list) -> tuple:
        """Per decoder layer class scores and normalised ``cxcywh`` boxes (stacked), and the encoder's
        (two-stage) scores and boxes, else None."""
        masks, pos_embeds = [], []
        for feat in mlvl_feats:
            masks.append(padding_masks(img_metas, feat.size(0), feat.shape[-2:], feat.device))
            pos_embeds.append(self.positional_encoding(masks[-1]))
        query_embeds = None if self.as_two_stage else self.query_embedding.weight
        states, init_reference, inter_references, enc_class, enc_coord = self.transformer(
            mlvl_feats, masks, query_embeds, pos_embeds,
            reg_branches=self.reg_branches if self.with_box_refine else None,
            cls_branches=self.cls_branches if self.as_two_stage else None)
        states = states.permute(0, 2, 1, 3)
        classes, coords = [], []
        for layer in range(states.shape[0]):
            reference = inverse_sigmoid(init_reference if layer == 0 else inter_references[layer - 1])
            delta = self.reg_branches[layer](states[layer])
            if reference.shape[-1] == 4:
                delta = delta + reference
            else:
                delta = torch.cat([delta[..., :2] + reference, delta[..., 2:]], -1)
            classes.append(self.cls_branches[layer](states[layer]))
            coords.append(delta.sigmoid())
        if self.as_two_stage:
            return torch.stack(classes), torch.stack(coords), enc_class, enc_coord.sigmoid()
        return torch.stack(classes), torch.stack(coords), None, None

    @force_fp32(apply_to=('all_cls_scores', 'all_bbox_preds'))
    def loss(self, all_cls_scores, all_bbox_preds, enc_cls_scores, enc_bbox_preds, gt_bboxes_list, gt_labels_list,
             img_metas, gt_bboxes_ignore=None) -> dict:
        """Every decoder layer's losses (``d{i}.*`` but the last) and, two-stage, ``enc_loss_*`` of the encoder's
        class-agnostic proposals."""
        if gt_bboxes_ignore is not None:
            raise NotImplementedError(f'{type(self).__name__} does not support gt_bboxes_ignore (as mmdet)')
        losses = {}
        if enc_cls_scores is not None:
            binary_labels = [torch.zeros_like(labels) for labels in gt_labels_list]
            enc = self.loss_single(enc_cls_scores, enc_bbox_preds, gt_bboxes_list, binary_labels, img_metas)
            losses.update(zip(('enc_loss_cls', 'enc_loss_bbox', 'enc_loss_iou'), enc))
        layer_losses = multi_apply(self.loss_single, list(all_cls_scores), list(all_bbox_preds),
                                   gt_bboxes_list=gt_bboxes_list, gt_labels_list=gt_labels_list, img_metas=img_metas)
        losses.update(decoder_layer_losses(('loss_cls', 'loss_bbox', 'loss_iou'), layer_losses))
        return losses

    @force_fp32(apply_to=('all_cls_scores', 'all_bbox_preds'))
    def get_bboxes(self, all_cls_scores, all_bbox_preds, enc_cls_scores, enc_bbox_preds, img_metas,
                   rescale: bool = False) -> list:
        """Per image ``(det_bboxes (k, 5), det_labels (k,))`` from the last decoder layer."""
        cls_scores, bbox_preds = all_cls_scores[-1], all_bbox_preds[-1]
        return [self._get_bboxes_single(cls_scores[i], bbox_preds[i], meta['img_shape'], meta['scale_factor'],
                                        rescale) for i, meta in enumerate(img_metas)]

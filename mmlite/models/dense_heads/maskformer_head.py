"""``MaskFormerHead``: learnt queries decoded over a pixel decoder's features into (class, mask) pairs."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import build_plugin_layer
from ...cnn.transformer_layers import build_positional_encoding, build_transformer_layer_sequence
from ...core.bbox import build_assigner, build_sampler
from ...core.utils import multi_apply, reduce_mean
from ...runner import force_fp32
from ...runner.weight_init import caffe2_xavier_init
from ..builder import HEADS, build_loss
from ..utils import preprocess_panoptic_gt
from .anchor_free_head import AnchorFreeHead
from .base_dense_head import BaseDenseHead
from .detr_head import padding_masks


@HEADS.register_module()
class MaskFormerHead(AnchorFreeHead):
    """MaskFormer (Cheng et al., 2021): ``num_queries`` queries decoded by ``transformer_decoder`` over the
    ``pixel_decoder``'s memory; per query class logits over things + stuff + "no object" and a mask (the dot
    product of its embedding with the per-pixel mask features). Training matches queries to the thing and
    stuff masks (``train_cfg.assigner``/``sampler``); every decoder layer gets ``loss_cls``, ``loss_mask``
    (focal) and ``loss_dice``, named ``d{i}.*`` except the last.
    """

    def __init__(self, in_channels: list, feat_channels: int, out_channels: int, num_things_classes: int = 80,
                 num_stuff_classes: int = 53, num_queries: int = 100, pixel_decoder: dict | None = None,
                 enforce_decoder_input_project: bool = False, transformer_decoder: dict | None = None,
                 positional_encoding: dict | None = None,
                 loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,  # noqa: B006
                               class_weight=[1.0] * 133 + [0.1]),
                 loss_mask=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,  # noqa: B006
                                loss_weight=20.0),
                 loss_dice=dict(type='DiceLoss', use_sigmoid=True, activate=True, naive_dice=True,  # noqa: B006
                                loss_weight=1.0),
                 train_cfg=None, test_cfg=None, init_cfg=None, **kwargs):
        BaseDenseHead.__init__(self, init_cfg)
        if kwargs:
            raise TypeError(f'{type(self).__name__} got unexpected keyword argument(s) {sorted(kwargs)}')
        self.num_things_classes, self.num_stuff_classes = num_things_classes, num_stuff_classes
        self.num_classes = num_things_classes + num_stuff_classes
        self.num_queries = num_queries
        pixel_decoder = dict(pixel_decoder, in_channels=in_channels, feat_channels=feat_channels,
                             out_channels=out_channels)
        self.pixel_decoder = build_plugin_layer(pixel_decoder)[1]
        self.transformer_decoder = build_transformer_layer_sequence(transformer_decoder)
        self.decoder_embed_dims = self.transformer_decoder.embed_dims
        project = self.decoder_embed_dims != in_channels[-1] or enforce_decoder_input_project
        if pixel_decoder['type'] == 'PixelDecoder' and project:
            self.decoder_input_proj = nn.Conv2d(in_channels[-1], self.decoder_embed_dims, kernel_size=1)
        else:
            self.decoder_input_proj = nn.Identity()
        self.decoder_pe = build_positional_encoding(positional_encoding)
        self.query_embed = nn.Embedding(self.num_queries, out_channels)
        self._init_predictors(feat_channels, out_channels, train_cfg, test_cfg, loss_cls, loss_mask, loss_dice)

    def _init_predictors(self, feat_channels: int, out_channels: int, train_cfg, test_cfg, loss_cls: dict,
                         loss_mask: dict, loss_dice: dict) -> None:
        """The class and mask-embedding predictors, the matcher (``train_cfg``) and the losses."""
        self.cls_embed = nn.Linear(feat_channels, self.num_classes + 1)
        self.mask_embed = nn.Sequential(nn.Linear(feat_channels, feat_channels), nn.ReLU(inplace=True),
                                        nn.Linear(feat_channels, feat_channels), nn.ReLU(inplace=True),
                                        nn.Linear(feat_channels, out_channels))
        self.train_cfg, self.test_cfg, self.fp16_enabled = train_cfg, test_cfg, False
        if train_cfg:
            self.assigner = build_assigner(train_cfg['assigner'])
            self.sampler = build_sampler(train_cfg['sampler'], context=self)
        self.class_weight = loss_cls.get('class_weight', None)
        if self.class_weight is None or len(self.class_weight) != self.num_classes + 1:
            raise ValueError(f'{type(self).__name__}: loss_cls.class_weight must hold num_classes + 1 = '
                             f'{self.num_classes + 1} weights (the last for "no object"), got '
                             f'{None if self.class_weight is None else len(self.class_weight)}')
        self.loss_cls, self.loss_mask, self.loss_dice = build_loss(loss_cls), build_loss(loss_mask), build_loss(
            loss_dice)

    def init_weights(self) -> None:
        if isinstance(self.decoder_input_proj, nn.Conv2d):
            caffe2_xavier_init(self.decoder_input_proj, bias=0)
        self.pixel_decoder.init_weights()
        for p in self.transformer_decoder.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def preprocess_gt(self, gt_labels_list, gt_masks_list, gt_semantic_segs, img_metas) -> tuple[list, list]:
        """Per image the thing + stuff ``(labels, masks)`` targets (see ``preprocess_panoptic_gt``)."""
        if gt_semantic_segs is None:
            gt_semantic_segs = [None] * len(gt_labels_list)
        n = len(gt_labels_list)
        return multi_apply(preprocess_panoptic_gt, gt_labels_list, gt_masks_list, gt_semantic_segs,
                           [self.num_things_classes] * n, [self.num_stuff_classes] * n, img_metas)

    def get_targets(self, cls_scores_list, mask_preds_list, gt_labels_list, gt_masks_list, img_metas) -> tuple:
        labels, label_weights, mask_targets, mask_weights, pos_inds, neg_inds = multi_apply(
            self._get_target_single, cls_scores_list, mask_preds_list, gt_labels_list, gt_masks_list, img_metas)
        return (labels, label_weights, mask_targets, mask_weights, sum(i.numel() for i in pos_inds),
                sum(i.numel() for i in neg_inds))

    def _get_target_single(self, cls_score, mask_pred, gt_labels, gt_masks, img_metas) -> tuple:
        """Match on masks nearest-downsampled to the prediction's size; targets stay at full size."""
        small = (F.interpolate(gt_masks[:, None].float(), mask_pred.shape[-2:], mode='nearest')[:, 0].long()
                 if gt_masks.shape[0] > 0 else gt_masks)
        assign_result = self.assigner.assign(cls_score, mask_pred, gt_labels, small, img_metas)
        return self._targets_of(self.sampler.sample(assign_result, mask_pred, gt_masks), mask_pred, gt_labels,
                                gt_masks)

    def _targets_of(self, sampling, mask_pred, gt_labels, gt_masks) -> tuple:
        """Per query its label (``num_classes``: no object), label weight, and the matched masks with the
        queries' mask weights."""
        labels = gt_labels.new_full((self.num_queries, ), self.num_classes, dtype=torch.long)
        labels[sampling.pos_inds] = gt_labels[sampling.pos_assigned_gt_inds]
        mask_weights = mask_pred.new_zeros((self.num_queries, ))
        mask_weights[sampling.pos_inds] = 1.0
        return (labels, gt_labels.new_ones((self.num_queries, )), gt_masks[sampling.pos_assigned_gt_inds],
                mask_weights, sampling.pos_inds, sampling.neg_inds)

    @force_fp32(apply_to=('all_cls_scores', 'all_mask_preds'))
    def loss(self, all_cls_scores, all_mask_preds, gt_labels_list, gt_masks_list, img_metas) -> dict:
        """``loss_cls``/``loss_mask``/``loss_dice`` of the last decoder layer, ``d{i}.*`` of the others."""
        layers = len(all_cls_scores)
        losses_cls, losses_mask, losses_dice = multi_apply(self.loss_single, all_cls_scores, all_mask_preds,
                                                           [gt_labels_list] * layers, [gt_masks_list] * layers,
                                                           [img_metas] * layers)
        loss_dict = dict(loss_cls=losses_cls[-1], loss_mask=losses_mask[-1], loss_dice=losses_dice[-1])
        for i, (loss_cls, loss_mask, loss_dice) in enumerate(zip(losses_cls[:-1], losses_mask[:-1],
                                                                 losses_dice[:-1])):
            loss_dict.update({f'd{i}.loss_cls': loss_cls, f'd{i}.loss_mask': loss_mask, f'd{i}.loss_dice': loss_dice})
        return loss_dict

    def loss_single(self, cls_scores, mask_preds, gt_labels_list, gt_masks_list, img_metas) -> tuple:
        """One decoder layer's ``(loss_cls, loss_mask, loss_dice)`` over the batch."""
        num_imgs = cls_scores.size(0)
        labels, label_weights, mask_targets, mask_weights, num_total_pos, _ = self.get_targets(
            [cls_scores[i] for i in range(num_imgs)], [mask_preds[i] for i in range(num_imgs)], gt_labels_list,
            gt_masks_list, img_metas)
        labels = torch.stack(labels).flatten(0, 1)
        class_weight = cls_scores.new_tensor(self.class_weight)
        loss_cls = self.loss_cls(cls_scores.flatten(0, 1), labels, torch.stack(label_weights).flatten(0, 1),
                                 avg_factor=class_weight[labels].sum())
        num_total_masks = max(reduce_mean(cls_scores.new_tensor([num_total_pos])), 1)
        mask_targets = torch.cat(mask_targets)
        mask_preds = mask_preds[torch.stack(mask_weights) > 0]
        if mask_targets.shape[0] == 0:  # no objects in the batch: zero losses that keep the graph
            return loss_cls, mask_preds.sum(), mask_preds.sum()
        return (loss_cls, ) + self._mask_losses(mask_preds, mask_targets, num_total_masks)

    def _mask_losses(self, mask_preds, mask_targets, num_total_masks) -> tuple:
        """``(loss_mask, loss_dice)`` of the matched queries' masks, upsampled to the targets' size."""
        mask_preds = F.interpolate(mask_preds[:, None], mask_targets.shape[-2:], mode='bilinear',
                                   align_corners=False)[:, 0]
        loss_dice = self.loss_dice(mask_preds, mask_targets, avg_factor=num_total_masks)
        h, w = mask_preds.shape[-2:]
        # FocalLoss over one class: target 0 is the mask, 1 ("background") the rest
        loss_mask = self.loss_mask(mask_preds.reshape(-1, 1), 1 - mask_targets.reshape(-1),
                                   avg_factor=num_total_masks * h * w)
        return loss_mask, loss_dice

    def forward(self, feats: list, img_metas: list) -> tuple[torch.Tensor, torch.Tensor]:
        """``(cls scores (layers, N, queries, C + 1), mask logits (layers, N, queries, H/4, W/4))``."""
        batch_size = len(img_metas)
        padding_mask = padding_masks(img_metas, batch_size, feats[-1].shape[-2:], feats[-1].device)
        mask_features, memory = self.pixel_decoder(feats, img_metas)
        pos_embed = self.decoder_pe(padding_mask).flatten(2).permute(2, 0, 1)
        memory = self.decoder_input_proj(memory).flatten(2).permute(2, 0, 1)
        query_embed = self.query_embed.weight[:, None].repeat(1, batch_size, 1)
        out_dec = self.transformer_decoder(query=torch.zeros_like(query_embed), key=memory, value=memory,
                                           key_pos=pos_embed, query_pos=query_embed,
                                           key_padding_mask=padding_mask.flatten(1))
        out_dec = out_dec.transpose(1, 2)
        all_mask_preds = torch.einsum('lbqc,bchw->lbqhw', self.mask_embed(out_dec), mask_features)
        return self.cls_embed(out_dec), all_mask_preds

    def forward_train(self, feats, img_metas, gt_bboxes, gt_labels, gt_masks, gt_semantic_seg,
                      gt_bboxes_ignore=None) -> dict:
        if gt_bboxes_ignore is not None:
            raise NotImplementedError(f'{type(self).__name__} does not support gt_bboxes_ignore (as mmdet)')
        all_cls_scores, all_mask_preds = self(feats, img_metas)
        gt_labels, gt_masks = self.preprocess_gt(gt_labels, gt_masks, gt_semantic_seg, img_metas)
        return self.loss(all_cls_scores, all_mask_preds, gt_labels, gt_masks, img_metas)

    def simple_test(self, feats, img_metas, **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
        """The last layer's class logits and mask logits upsampled to the batch input size."""
        all_cls_scores, all_mask_preds = self(feats, img_metas)
        mask_preds = F.interpolate(all_mask_preds[-1], size=tuple(img_metas[0]['batch_input_shape']),
                                   mode='bilinear', align_corners=False)
        return all_cls_scores[-1], mask_preds

"""``DETRHead``: object queries decoded by a transformer over the last feature map, matched one-to-one to the
ground truths (Hungarian), with a loss per decoder layer."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import FFN, build_activation_layer
from ...cnn.transformer_layers import build_positional_encoding
from ...core.bbox import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh, build_assigner
from ...core.utils import multi_apply, reduce_mean
from ...runner import force_fp32
from ..builder import HEADS, build_loss
from ..utils.builder import build_transformer
from .anchor_free_head import AnchorFreeHead
from .base_dense_head import BaseDenseHead

# parameter names of DETR checkpoints written before mmdet 2.12 (state-dict version < 2)
_V1_NAMES = {'.self_attn.': '.attentions.0.', '.ffn.': '.ffns.0.', '.multihead_attn.': '.attentions.1.',
             '.decoder.norm.': '.decoder.post_norm.'}


def padding_masks(img_metas: list, batch: int, size, device) -> torch.Tensor:
    """``(batch, *size)`` bool masks, True where the feature map covers the batch's padding (the image's own
    region comes from ``img_shape`` within ``batch_input_shape``)."""
    if 'batch_input_shape' not in img_metas[0]:
        raise KeyError("img_metas need 'batch_input_shape' (BaseDetector.forward_train/forward_test set it; set "
                       'it yourself when calling simple_test directly)')
    masks = torch.ones((batch, *img_metas[0]['batch_input_shape']), device=device)
    for img_id in range(batch):
        img_h, img_w = img_metas[img_id]['img_shape'][:2]
        masks[img_id, :img_h, :img_w] = 0
    return F.interpolate(masks.unsqueeze(1), size=size).to(torch.bool).squeeze(1)


def image_factors(img_metas: list, bbox_preds: torch.Tensor) -> torch.Tensor:
    """``(w, h, w, h)`` of each image, repeated for its ``bbox_preds.size(1)`` queries: ``(batch * queries, 4)``."""
    return torch.cat([bbox_preds.new_tensor([meta['img_shape'][1], meta['img_shape'][0]] * 2).repeat(
        bbox_preds.size(1), 1) for meta in img_metas])


@HEADS.register_module()
class DETRHead(AnchorFreeHead):
    """DETR (Carion et al., 2020): ``num_query`` learnt queries decoded by ``transformer`` over the projected last
    feature map; per query a class (softmax with a background class, or sigmoid) and a normalised
    ``(cx, cy, w, h)`` box. Training matches queries to objects with ``train_cfg.assigner``; every decoder layer
    gets ``loss_cls``/``loss_bbox`` (L1 on normalised boxes)/``loss_iou`` (on pixel boxes), named ``d{i}.*``
    except the last.

    Args:
        num_query: Object queries. num_reg_fcs: Linears of the box FFN.
        transformer: ``TRANSFORMER`` config. positional_encoding: ``POSITIONAL_ENCODING`` config.
        sync_cls_avg_factor: Average the classification normaliser over processes.
        loss_cls: With softmax, ``class_weight`` (a float) weighs the objects and ``bg_cls_weight`` the
            background; the matcher's cost weights must equal the loss weights.
    """

    _version = 2
    required_train_cfg_keys = ('assigner', )
    required_test_cfg_keys = ()

    def __init__(self, num_classes: int, in_channels: int, num_query: int = 100, num_reg_fcs: int = 2,
                 transformer=None, sync_cls_avg_factor: bool = False,
                 positional_encoding=dict(type='SinePositionalEncoding', num_feats=128, normalize=True),  # noqa
                 loss_cls=dict(type='CrossEntropyLoss', bg_cls_weight=0.1, use_sigmoid=False,  # noqa: B006
                               loss_weight=1.0, class_weight=1.0),
                 loss_bbox=dict(type='L1Loss', loss_weight=5.0),  # noqa: B006
                 loss_iou=dict(type='GIoULoss', loss_weight=2.0),  # noqa: B006
                 train_cfg=dict(assigner=dict(type='HungarianAssigner',  # noqa: B006
                                              cls_cost=dict(type='ClassificationCost', weight=1.),
                                              reg_cost=dict(type='BBoxL1Cost', weight=5.0),
                                              iou_cost=dict(type='IoUCost', iou_mode='giou', weight=2.0))),
                 test_cfg=dict(max_per_img=100), init_cfg=None, **kwargs):  # noqa: B006
        BaseDenseHead.__init__(self, init_cfg)
        if kwargs:
            raise TypeError(f'{type(self).__name__} got unexpected keyword argument(s) {sorted(kwargs)}')
        loss_cls = self._background_weighted(dict(loss_cls), num_classes)
        if train_cfg:
            self._check_matcher(train_cfg, loss_cls, loss_bbox, loss_iou)
            self.assigner = build_assigner(train_cfg['assigner'])
        self.num_query, self.num_classes = num_query, num_classes
        self.in_channels, self.num_reg_fcs = in_channels, num_reg_fcs
        self.sync_cls_avg_factor = sync_cls_avg_factor
        self.train_cfg, self.test_cfg, self.fp16_enabled = train_cfg, test_cfg, False
        self.loss_cls, self.loss_bbox, self.loss_iou = build_loss(loss_cls), build_loss(loss_bbox), build_loss(loss_iou)
        self.use_sigmoid_cls = self.loss_cls.use_sigmoid
        self.cls_out_channels = num_classes if self.use_sigmoid_cls else num_classes + 1
        self.act_cfg = transformer.get('act_cfg', dict(type='ReLU', inplace=True))
        self.activate = build_activation_layer(self.act_cfg)
        self.positional_encoding = build_positional_encoding(positional_encoding)
        self.transformer = build_transformer(transformer)
        self.embed_dims = self.transformer.embed_dims
        if positional_encoding.get('num_feats', 0) * 2 != self.embed_dims:
            raise ValueError(f'{type(self).__name__}: positional_encoding.num_feats must be half the transformer\'s '
                             f'embed_dims ({self.embed_dims}), got {positional_encoding.get("num_feats")}')
        self._init_layers()

    def _background_weighted(self, loss_cls: dict, num_classes: int) -> dict:
        """mmdet's softmax DETR loss: a float ``class_weight`` for the objects, ``bg_cls_weight`` (default the
        same) for the background class, made into a per-class vector."""
        self.bg_cls_weight = 0
        class_weight = loss_cls.get('class_weight')
        if class_weight is None or type(self) is not DETRHead:
            return loss_cls
        bg_cls_weight = loss_cls.pop('bg_cls_weight', class_weight)
        if not isinstance(class_weight, float) or not isinstance(bg_cls_weight, float):
            raise TypeError(f'DETRHead.loss_cls: class_weight and bg_cls_weight must be floats, got '
                            f'{class_weight!r} and {bg_cls_weight!r}')
        self.bg_cls_weight = bg_cls_weight
        return dict(loss_cls, class_weight=[class_weight] * num_classes + [bg_cls_weight])

    @staticmethod
    def _check_matcher(train_cfg, loss_cls: dict, loss_bbox: dict, loss_iou: dict) -> None:
        assigner = train_cfg['assigner']
        for cost, loss in (('cls_cost', loss_cls), ('reg_cost', loss_bbox), ('iou_cost', loss_iou)):
            if cost in assigner and assigner[cost].get('weight', 1.0) != loss.get('loss_weight', 1.0):
                raise ValueError(f'train_cfg.assigner.{cost}.weight ({assigner[cost].get("weight", 1.0)}) must '
                                 f'equal the loss weight of {loss["type"]} ({loss.get("loss_weight", 1.0)}): the '
                                 'matcher ranks by the costs the losses then minimise')

    def _init_layers(self) -> None:
        self.input_proj = nn.Conv2d(self.in_channels, self.embed_dims, kernel_size=1)
        self.fc_cls = nn.Linear(self.embed_dims, self.cls_out_channels)
        self.reg_ffn = FFN(self.embed_dims, self.embed_dims, self.num_reg_fcs, self.act_cfg, ffn_drop=0.0,
                           add_identity=False)
        self.fc_reg = nn.Linear(self.embed_dims, 4)
        self.query_embedding = nn.Embedding(self.num_query, self.embed_dims)

    def init_weights(self) -> None:
        """The transformer's initialisation; the other layers keep PyTorch's (as mmdet)."""
        self.transformer.init_weights()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        if local_metadata.get('version', 0) < 2 and type(self) is DETRHead:
            for key in [k for k in state_dict if k.startswith(prefix)]:
                new_key = key
                for old, new in _V1_NAMES.items():
                    new_key = new_key.replace(old, new)
                if new_key != key:
                    state_dict[new_key] = state_dict.pop(key)
        # (not AnchorFreeHead's renaming of pre-2.x dense-head predictors)
        BaseDenseHead._load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                                            unexpected_keys, error_msgs)

    def forward(self, feats, img_metas: list):
        """Per feature level ``(num_layers, bs, num_query, cls_out_channels)`` class scores and
        ``(num_layers, bs, num_query, 4)`` normalised boxes; DETR's configs give one level."""
        return multi_apply(self.forward_single, feats, img_metas=img_metas)

    def forward_single(self, x, img_metas: list):
        x = self.input_proj(x)
        masks = padding_masks(img_metas, x.size(0), x.shape[-2:], x.device)
        outs_dec, _ = self.transformer(x, masks, self.query_embedding.weight, self.positional_encoding(masks))
        return self.fc_cls(outs_dec), self.fc_reg(self.activate(self.reg_ffn(outs_dec))).sigmoid()

    def forward_train(self, x, img_metas, gt_bboxes, gt_labels=None, gt_bboxes_ignore=None, proposal_cfg=None,
                      **kwargs) -> dict:
        if proposal_cfg is not None:
            raise ValueError(f'{type(self).__name__} does not produce proposals (proposal_cfg must be None)')
        outs = self(x, img_metas)
        return self.loss(*outs, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=gt_bboxes_ignore)

    @force_fp32(apply_to=('all_cls_scores_list', 'all_bbox_preds_list'))
    def loss(self, all_cls_scores_list, all_bbox_preds_list, gt_bboxes_list, gt_labels_list, img_metas,
             gt_bboxes_ignore=None) -> dict:
        """Losses of every decoder layer on the last feature level."""
        if gt_bboxes_ignore is not None:
            raise NotImplementedError(f'{type(self).__name__} does not support gt_bboxes_ignore (as mmdet)')
        all_cls_scores, all_bbox_preds = all_cls_scores_list[-1], all_bbox_preds_list[-1]
        losses = multi_apply(self.loss_single, list(all_cls_scores), list(all_bbox_preds),
                             gt_bboxes_list=gt_bboxes_list, gt_labels_list=gt_labels_list, img_metas=img_metas)
        return decoder_layer_losses(('loss_cls', 'loss_bbox', 'loss_iou'), losses)

    def loss_single(self, cls_scores, bbox_preds, gt_bboxes_list, gt_labels_list, img_metas,
                    gt_bboxes_ignore_list=None) -> tuple:
        """One decoder layer's ``loss_cls``, ``loss_bbox`` and ``loss_iou`` (``(bs, num_query, ...)`` inputs)."""
        labels, label_weights, bbox_targets, bbox_weights, num_pos, num_neg = self.get_targets(
            list(cls_scores), list(bbox_preds), gt_bboxes_list, gt_labels_list, img_metas, gt_bboxes_ignore_list)
        labels, label_weights = torch.cat(labels), torch.cat(label_weights)
        bbox_targets, bbox_weights = torch.cat(bbox_targets), torch.cat(bbox_weights)
        cls_avg_factor = num_pos * 1.0 + num_neg * self.bg_cls_weight
        if self.sync_cls_avg_factor:
            cls_avg_factor = reduce_mean(cls_scores.new_tensor([cls_avg_factor]))
        cls_avg_factor = max(cls_avg_factor, 1)
        loss_cls = self.loss_cls(cls_scores.reshape(-1, self.cls_out_channels), labels, label_weights,
                                 avg_factor=cls_avg_factor)
        num_total_pos = torch.clamp(reduce_mean(loss_cls.new_tensor([num_pos])), min=1)[0]
        factors = image_factors(img_metas, bbox_preds)
        bbox_preds = bbox_preds.reshape(-1, 4)
        loss_iou = self.loss_iou(bbox_cxcywh_to_xyxy(bbox_preds) * factors,
                                 bbox_cxcywh_to_xyxy(bbox_targets) * factors, bbox_weights, avg_factor=num_total_pos)
        loss_bbox = self.loss_bbox(bbox_preds, bbox_targets, bbox_weights, avg_factor=num_total_pos)
        return loss_cls, loss_bbox, loss_iou

    def get_targets(self, cls_scores_list, bbox_preds_list, gt_bboxes_list, gt_labels_list, img_metas,
                    gt_bboxes_ignore_list=None) -> tuple:
        """Per image labels, label weights, normalised ``cxcywh`` box targets and box weights; the numbers of
        matched and unmatched queries."""
        if gt_bboxes_ignore_list is not None:
            raise NotImplementedError(f'{type(self).__name__} does not support gt_bboxes_ignore (as mmdet)')
        labels, label_weights, bbox_targets, bbox_weights, pos_inds, neg_inds = multi_apply(
            self._get_target_single, cls_scores_list, bbox_preds_list, gt_bboxes_list, gt_labels_list, img_metas)
        return (labels, label_weights, bbox_targets, bbox_weights, sum(inds.numel() for inds in pos_inds),
                sum(inds.numel() for inds in neg_inds))

    def _get_target_single(self, cls_score, bbox_pred, gt_bboxes, gt_labels, img_meta, gt_bboxes_ignore=None):
        assign_result = self.assigner.assign(bbox_pred, cls_score, gt_bboxes, gt_labels, img_meta, gt_bboxes_ignore)
        assigned = assign_result.gt_inds
        pos_inds = torch.nonzero(assigned > 0, as_tuple=False).squeeze(-1).unique()
        neg_inds = torch.nonzero(assigned == 0, as_tuple=False).squeeze(-1).unique()
        labels = gt_bboxes.new_full((bbox_pred.size(0), ), self.num_classes, dtype=torch.long)
        labels[pos_inds] = gt_labels[assigned[pos_inds] - 1]
        bbox_targets, bbox_weights = torch.zeros_like(bbox_pred), torch.zeros_like(bbox_pred)
        bbox_weights[pos_inds] = 1.0
        img_h, img_w = img_meta['img_shape'][:2]
        factor = bbox_pred.new_tensor([img_w, img_h, img_w, img_h]).unsqueeze(0)
        bbox_targets[pos_inds] = bbox_xyxy_to_cxcywh(gt_bboxes[assigned[pos_inds] - 1] / factor)
        return labels, gt_bboxes.new_ones(bbox_pred.size(0)), bbox_targets, bbox_weights, pos_inds, neg_inds

    @force_fp32(apply_to=('all_cls_scores_list', 'all_bbox_preds_list'))
    def get_bboxes(self, all_cls_scores_list, all_bbox_preds_list, img_metas, rescale: bool = False) -> list:
        """Per image ``(det_bboxes (k, 5), det_labels (k,))`` from the last decoder layer of the last level."""
        cls_scores, bbox_preds = all_cls_scores_list[-1][-1], all_bbox_preds_list[-1][-1]
        return [self._get_bboxes_single(cls_scores[i], bbox_preds[i], meta['img_shape'], meta['scale_factor'],
                                        rescale) for i, meta in enumerate(img_metas)]

    def _get_bboxes_single(self, cls_score, bbox_pred, img_shape, scale_factor, rescale: bool = False) -> tuple:
        max_per_img = min(self.test_cfg.get('max_per_img', self.num_query), cls_score.numel())
        if self.use_sigmoid_cls:
            scores, indexes = cls_score.sigmoid().view(-1).topk(max_per_img)
            det_labels, bbox_index = indexes % self.num_classes, indexes // self.num_classes
        else:
            scores, det_labels = F.softmax(cls_score, dim=-1)[..., :-1].max(-1)
            scores, bbox_index = scores.topk(min(max_per_img, len(scores)))
            det_labels = det_labels[bbox_index]
        det_bboxes = bbox_cxcywh_to_xyxy(bbox_pred[bbox_index])
        det_bboxes[:, 0::2] = (det_bboxes[:, 0::2] * img_shape[1]).clamp(min=0, max=img_shape[1])
        det_bboxes[:, 1::2] = (det_bboxes[:, 1::2] * img_shape[0]).clamp(min=0, max=img_shape[0])
        if rescale:
            det_bboxes /= det_bboxes.new_tensor(scale_factor)
        return torch.cat((det_bboxes, scores.unsqueeze(1)), -1), det_labels

    def simple_test_bboxes(self, feats, img_metas, rescale: bool = False) -> list:
        return self.get_bboxes(*self.forward(feats, img_metas), img_metas, rescale=rescale)

    def aug_test(self, feats, img_metas, rescale: bool = False):
        raise NotImplementedError(f'{type(self).__name__} has no test-time augmentation (neither has mmdet 2.x)')


def decoder_layer_losses(names: tuple, losses: tuple) -> dict:
    """``{name: last layer's}`` and ``{'d{i}.name': layer i's}`` for the earlier decoder layers."""
    out = {name: values[-1] for name, values in zip(names, losses)}
    for layer in range(len(losses[0]) - 1):
        out.update({f'd{layer}.{name}': values[layer] for name, values in zip(names, losses)})
    return out

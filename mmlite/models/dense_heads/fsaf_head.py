"""``FSAFHead``: the anchor-free branch of FSAF (Zhu et al., 2019): RetinaNet's towers with one square prior per
location, centre-region targets on every level, and online feature selection: each gt trains only the level
where its loss is lowest."""
from __future__ import annotations

import numpy as np
import torch

from ...core.anchor import anchor_inside_flags
from ...core.utils import multi_apply, unmap
from ...runner import force_fp32
from ..builder import HEADS
from ..losses.accuracy import accuracy
from ..losses.utils import weight_reduce_loss
from .anchor_head import sampled_targets
from .retina_head import RetinaHead

_FSAF_INIT = dict(type='Normal', layer='Conv2d', std=0.01,
                  override=[dict(type='Normal', name='retina_cls', std=0.01, bias_prob=0.01),
                            dict(type='Normal', name='retina_reg', std=0.01, bias=0.25)])


@HEADS.register_module()
class FSAFHead(RetinaHead):
    """RetinaHead whose box branch predicts non-negative (ReLU) distances, trained with FSAF's online level
    selection. Its config gives ``CenterRegionAssigner``, ``TBLRBBoxCoder``, and focal and IoU losses with
    ``reduction='none'`` (the head reduces them after selection).

    Args:
        score_threshold: Scores below it count as misses in the logged ``pos_recall``. Defaults to None.
    """

    def __init__(self, *args, score_threshold: float | None = None, init_cfg=None, **kwargs):
        super().__init__(*args, init_cfg=dict(_FSAF_INIT) if init_cfg is None else init_cfg, **kwargs)
        self.score_threshold = score_threshold

    def forward_single(self, x):
        cls_score, bbox_pred = super().forward_single(x)
        return cls_score, self.relu(bbox_pred)

    def _get_targets_single(self, flat_anchors, valid_flags, gt_bboxes, gt_bboxes_ignore, gt_labels, img_meta,
                            label_channels=1, unmap_outputs=True, **kwargs):
        """AnchorHead's targets with per-class label weights (0 for the classes shadowing an anchor) and, last,
        each anchor's gt index (-1 for none)."""
        inside = anchor_inside_flags(flat_anchors, valid_flags, img_meta['img_shape'][:2],
                                     self.train_cfg.allowed_border)
        if not inside.any():
            return (None, ) * 8
        anchors = flat_anchors[inside]
        assign_result = self.assigner.assign(anchors, gt_bboxes, gt_bboxes_ignore, None if self.sampling else gt_labels)
        sampling_result = self.sampler.sample(assign_result, anchors, gt_bboxes)
        encode = None if self.reg_decoded_bbox else self.bbox_coder.encode
        labels, label_weights, bbox_targets, bbox_weights = sampled_targets(
            sampling_result, len(anchors), gt_labels, self.num_classes, self.train_cfg.pos_weight, encode)
        label_weights = label_weights[:, None].repeat(1, label_channels)
        pos_gt_inds = labels.new_full((len(anchors), ), -1)
        pos_gt_inds[sampling_result.pos_inds] = sampling_result.pos_assigned_gt_inds
        shadowed = assign_result.get_extra_property('shadowed_labels')
        if shadowed is not None and shadowed.numel():
            if shadowed.dim() == 2:
                if (labels[shadowed[:, 0]] == shadowed[:, 1]).any():
                    raise ValueError('CenterRegionAssigner: an anchor is both positive and ignored for one class')
                label_weights[shadowed[:, 0], shadowed[:, 1]] = 0
            else:
                label_weights[shadowed] = 0
        if unmap_outputs:
            total = flat_anchors.size(0)
            labels = unmap(labels, total, inside, fill=self.num_classes)
            label_weights, bbox_targets = unmap(label_weights, total, inside), unmap(bbox_targets, total, inside)
            bbox_weights, pos_gt_inds = unmap(bbox_weights, total, inside), unmap(pos_gt_inds, total, inside, -1)
        return (labels, label_weights, bbox_targets, bbox_weights, sampling_result.pos_inds,
                sampling_result.neg_inds, sampling_result, pos_gt_inds)

    @force_fp32(apply_to=('cls_scores', 'bbox_preds'))
    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None) -> dict:
        """Per level ``loss_cls`` and ``loss_bbox`` of the anchors whose gt selected that level (summed, over
        the number of positives), plus the logged ``num_pos`` (per image) and ``pos_recall``."""
        bbox_preds = [pred.clamp(min=1e-4) for pred in bbox_preds]
        all_anchors, targets = self._anchor_targets(cls_scores, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore)
        if targets is None:
            return None
        labels, label_weights, bbox_targets, bbox_weights, num_pos, num_neg, pos_gt_inds = targets
        losses_cls, losses_bbox = multi_apply(self.loss_single, cls_scores, bbox_preds, all_anchors, labels,
                                              label_weights, bbox_targets, bbox_weights,
                                              num_total_samples=num_pos + num_neg if self.sampling else num_pos)
        # gt indices over the batch: image j's gts follow those of images 0..j-1
        offsets = labels[0].new_tensor(np.cumsum([0] + [len(g) for g in gt_labels[:-1]]))[:, None]
        pos_gt_inds = [torch.where(inds >= 0, inds + offsets, inds).flatten() for inds in pos_gt_inds]
        labels = [level_labels.flatten() for level_labels in labels]
        num_gts = sum(len(g) for g in gt_labels)
        with torch.no_grad():
            loss_levels, = multi_apply(self.collect_loss_level_single, losses_cls, losses_bbox, pos_gt_inds,
                                       labels_seq=torch.arange(num_gts, device=labels[0].device))
            best_levels = torch.stack(loss_levels).argmin(dim=0) if num_gts else labels[0].new_zeros(0)
        losses_cls, losses_bbox, pos_flags = multi_apply(self.reweight_loss_single, losses_cls, losses_bbox,
                                                         pos_gt_inds, labels, list(range(len(losses_cls))),
                                                         min_levels=best_levels)
        num_selected = torch.cat(pos_flags).sum().float()
        pos_recall = self.calculate_pos_recall(cls_scores, labels, pos_flags)
        avg_factor = torch.where(num_selected == 0, num_selected + float(num_neg), num_selected)
        return dict(loss_cls=[loss / avg_factor for loss in losses_cls],
                    loss_bbox=[loss / avg_factor for loss in losses_bbox],
                    num_pos=num_selected / len(gt_bboxes), pos_recall=pos_recall)

    def calculate_pos_recall(self, cls_scores, labels_list, pos_inds) -> torch.Tensor:
        """Accuracy (percent) of the selected positives' classes (scores under ``score_threshold`` miss)."""
        with torch.no_grad():
            scores = torch.cat([score.permute(0, 2, 3, 1).reshape(-1, self.num_classes)[pos]
                                for score, pos in zip(cls_scores, pos_inds)])
            labels = torch.cat([label.reshape(-1)[pos] for label, pos in zip(labels_list, pos_inds)])
            scores = scores.sigmoid() if self.use_sigmoid_cls else scores.softmax(dim=1)
            return accuracy(scores, labels, thresh=self.score_threshold)

    def collect_loss_level_single(self, cls_loss, reg_loss, assigned_gt_inds, labels_seq) -> tuple:
        """Per gt of ``labels_seq`` the mean loss of its anchors on this level (1e6 where it has none)."""
        reg_loss = reg_loss.sum(dim=-1) if reg_loss.dim() == 2 else reg_loss
        cls_loss = cls_loss.sum(dim=-1) if cls_loss.dim() == 2 else cls_loss
        loss = cls_loss + reg_loss
        matched = assigned_gt_inds[:, None] == labels_seq[None, :]
        counts = matched.sum(dim=0)
        sums = (loss[:, None] * matched).sum(dim=0)
        return torch.where(counts > 0, sums / counts.clamp(min=1), loss.new_tensor(1e6)),

    def reweight_loss_single(self, cls_loss, reg_loss, assigned_gt_inds, labels, level, min_levels) -> tuple:
        """This level's summed losses after dropping the anchors whose gt selected another level (their box
        loss and their gt class's score loss); returns them and the remaining positives' flags."""
        pos_flags = assigned_gt_inds >= 0
        moved = pos_flags.clone()
        moved[pos_flags] = min_levels[assigned_gt_inds[pos_flags]] != level
        cls_weight = torch.ones_like(cls_loss)
        moved_inds = moved.nonzero().flatten()
        cls_weight[moved_inds, labels[moved_inds]] = 0
        loc_weight = (~moved).to(reg_loss.dtype)
        loc_weight = loc_weight[:, None].expand_as(reg_loss) if reg_loss.dim() == 2 else loc_weight
        return (weight_reduce_loss(cls_loss, cls_weight, reduction='sum'),
                weight_reduce_loss(reg_loss, loc_weight, reduction='sum'), pos_flags & ~moved)

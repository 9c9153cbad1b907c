"""``PAAHead``: probabilistic anchor assignment (Kim and Lee, 2020) on ATSS's head: candidates matched by IoU
are split per gt into positives and negatives by a two-component Gaussian mixture over their losses; an IoU
branch scales the scores; score voting refines the kept boxes."""
from __future__ import annotations

import numpy as np
import torch

from ...core.bbox import bbox_overlaps
from ...core.post_processing import multiclass_nms
from ...core.utils import multi_apply
from ...core.utils.gaussian_mixture import COVARIANCE_TYPES, TwoGaussianMixture
from ...runner import force_fp32
from ..builder import HEADS
from .anchor_head import AnchorHead
from .atss_head import ATSSHead

EPS = 1e-12


def levels_to_images(mlvl_tensor: list) -> list:
    """Per-level maps ``(N, C, H, W)`` to per-image rows ``(sum of H*W, C)``, levels in order."""
    batch, channels = mlvl_tensor[0].shape[:2]
    flat = [t.permute(0, 2, 3, 1).reshape(batch, -1, channels) for t in mlvl_tensor]
    return [torch.cat([level[i] for level in flat], 0) for i in range(batch)]


@HEADS.register_module()
class PAAHead(ATSSHead):
    """PAA's head (ATSS's layers; the centerness branch predicts the IoU of the decoded box).

    Args:
        topk: Lowest-loss candidates per gt and level that enter the mixture. Defaults to 9.
        score_voting: Replace each kept box by the IoU- and score-weighted mean of the candidate boxes of its
            class around it. Defaults to True.
        covariance_type: The mixture's covariance type, as scikit-learn's (one dimension: 'tied' shares one
            variance, the others are the same model). Defaults to 'diag'.
        Other arguments: ``ATSSHead``'s; ``train_cfg.assigner`` is the first (IoU) match.
    """

    def __init__(self, *args, topk: int = 9, score_voting: bool = True, covariance_type: str = 'diag', **kwargs):
        if covariance_type not in COVARIANCE_TYPES:
            raise ValueError(f'PAAHead.covariance_type must be one of {COVARIANCE_TYPES}, got {covariance_type!r}')
        self.topk, self.with_score_voting, self.covariance_type = topk, score_voting, covariance_type
        super().__init__(*args, **kwargs)

    _assign = AnchorHead._assign  # the IoU assigner of train_cfg, not ATSS's per-level one
    extra_test_cfg_keys = frozenset({'score_voting'})  # overrides the head's flag (mmdet ignored it)

    def paa_assignment(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas,
                       gt_bboxes_ignore=None) -> tuple | None:
        """PAA's targets for predictions ``cls_scores``/``bbox_preds``: first-match candidates split per gt by
        the mixture over their losses. Returns, over all images' anchors, labels, label weights, box targets,
        per-image box weights, the anchors and the number of positives (None when an image has no anchor
        inside)."""
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        anchor_list, valid_flag_list = self.get_anchors(featmap_sizes, img_metas, device=cls_scores[0].device)
        targets = self.get_targets(anchor_list, valid_flag_list, gt_bboxes, img_metas, gt_bboxes_ignore, gt_labels)
        if targets is None:
            return None
        labels, label_weights, bbox_targets, bbox_weights, pos_inds, pos_gt_inds = targets
        cls_scores = [s.reshape(-1, self.cls_out_channels) for s in levels_to_images(cls_scores)]
        bbox_preds = [p.reshape(-1, 4) for p in levels_to_images(bbox_preds)]
        pos_losses, = multi_apply(self.get_pos_loss, anchor_list, cls_scores, bbox_preds, labels, label_weights,
                                  bbox_targets, bbox_weights, pos_inds)
        with torch.no_grad():
            labels, label_weights, bbox_weights, num_pos = multi_apply(
                self.paa_reassign, pos_losses, labels, label_weights, bbox_weights, pos_inds, pos_gt_inds, anchor_list)
        anchors = torch.cat([torch.cat(level_anchors) for level_anchors in anchor_list])
        return (torch.cat(labels), torch.cat(label_weights), torch.cat(bbox_targets), bbox_weights, anchors,
                sum(num_pos))

    @force_fp32(apply_to=('cls_scores', 'bbox_preds', 'iou_preds'))
    def loss(self, cls_scores, bbox_preds, iou_preds, gt_bboxes, gt_labels, img_metas,
             gt_bboxes_ignore=None) -> dict:
        """``loss_cls`` (focal loss on the reassigned labels), ``loss_bbox`` (on positives, weighted by their
        IoU) and ``loss_iou`` (the IoU branch against the decoded boxes' IoU)."""
        assignment = self.paa_assignment(cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore)
        if assignment is None:
            return None
        labels, label_weights, bbox_targets, _, anchors, num_pos = assignment
        return self._assigned_losses(cls_scores, bbox_preds, iou_preds, labels, label_weights, bbox_targets,
                                     anchors, num_pos, len(img_metas), iou_weighted=True)

    def _assigned_losses(self, cls_scores, bbox_preds, iou_preds, labels, label_weights, bbox_targets, anchors,
                         num_pos: int, num_imgs: int, iou_weighted: bool) -> dict:
        """The three losses of per-level predictions against flat targets (``iou_weighted``: the box loss
        weighted by the IoU of the decoded boxes, over their sum; else over ``num_pos``)."""
        cls_scores = torch.cat([s.reshape(-1, self.cls_out_channels) for s in levels_to_images(cls_scores)])
        bbox_preds = torch.cat([p.reshape(-1, 4) for p in levels_to_images(bbox_preds)])
        iou_preds = torch.cat([p.reshape(-1, 1) for p in levels_to_images(iou_preds)])
        loss_cls = self.loss_cls(cls_scores, labels, label_weights, avg_factor=max(num_pos, num_imgs))
        if not num_pos:
            return dict(loss_cls=loss_cls, loss_bbox=bbox_preds.sum() * 0, loss_iou=iou_preds.sum() * 0)
        pos = ((labels >= 0) & (labels < self.num_classes)).nonzero().reshape(-1)
        pos_bbox_pred = self.bbox_coder.decode(anchors[pos], bbox_preds[pos])
        pos_bbox_target = bbox_targets[pos]
        iou_target = bbox_overlaps(pos_bbox_pred.detach(), pos_bbox_target, is_aligned=True)
        loss_iou = self.loss_centerness(iou_preds[pos], iou_target.unsqueeze(-1), avg_factor=num_pos)
        if iou_weighted:
            loss_bbox = self.loss_bbox(pos_bbox_pred, pos_bbox_target, iou_target.clamp(min=EPS),
                                       avg_factor=iou_target.sum())
        else:
            loss_bbox = self.loss_bbox(pos_bbox_pred, pos_bbox_target, avg_factor=num_pos)
        return dict(loss_cls=loss_cls, loss_bbox=loss_bbox, loss_iou=loss_iou)

    def get_pos_loss(self, anchors, cls_score, bbox_pred, label, label_weight, bbox_target, bbox_weight,
                     pos_inds) -> tuple:
        """The classification plus box loss of each first-match positive of one image (a 1-tuple)."""
        if not len(pos_inds):
            return cls_score.new_zeros(0),
        pos_bbox_pred = self.bbox_coder.decode(torch.cat(anchors)[pos_inds], bbox_pred[pos_inds])
        loss_cls = self.loss_cls(cls_score[pos_inds], label[pos_inds], label_weight[pos_inds], avg_factor=1.0,
                                 reduction_override='none')
        loss_bbox = self.loss_bbox(pos_bbox_pred, bbox_target[pos_inds], bbox_weight[pos_inds], avg_factor=1.0,
                                   reduction_override='none')
        return loss_bbox + loss_cls.sum(-1),

    def _gmm_candidates(self, pos_losses, pos_inds, gt_mask, level_masks) -> tuple:
        """The ``topk`` lowest-loss candidates of one gt on each level, sorted by loss: (indices, losses)."""
        inds, losses = [], []
        for level_mask in level_masks:
            mask = level_mask & gt_mask
            values, order = pos_losses[mask].topk(min(int(mask.sum()), self.topk), largest=False)
            inds.append(pos_inds[mask][order])
            losses.append(values)
        losses, order = torch.cat(losses).sort()
        return torch.cat(inds)[order], losses

    def paa_reassign(self, pos_losses, label, label_weight, bbox_weight, pos_inds, pos_gt_inds, anchors) -> tuple:
        """Split each gt's candidates by a Gaussian mixture over their losses (see
        :meth:`gmm_separation_scheme`); the rest of the first-match positives become negatives. Returns
        the new labels, label weights, box weights and the number of positives. The mixtures run on the CPU
        (one copy of the candidates there and of the result back)."""
        if not len(pos_inds):
            return label, label_weight, bbox_weight, 0
        label, label_weight, bbox_weight = label.clone(), label_weight.clone(), bbox_weight.clone()
        device = pos_inds.device
        pos_losses, cpu_inds, pos_gt_inds = pos_losses.cpu(), pos_inds.cpu(), pos_gt_inds.cpu()
        bounds = np.cumsum([0] + [level.size(0) for level in anchors])
        level_masks = [(cpu_inds >= low) & (cpu_inds < high) for low, high in zip(bounds[:-1], bounds[1:])]
        kept, ignored = [cpu_inds.new_zeros(0)], [cpu_inds.new_zeros(0)]
        for gt in range(int(pos_gt_inds.max()) + 1):
            candidates, losses = self._gmm_candidates(pos_losses, cpu_inds, pos_gt_inds == gt, level_masks)
            if len(candidates) < 2:
                continue
            values = losses.view(-1, 1).numpy()
            gmm = TwoGaussianMixture(self.covariance_type).fit(values)
            pos, ignore = self.gmm_separation_scheme(torch.from_numpy(gmm.predict(values)),
                                                     torch.from_numpy(gmm.score_samples(values)), candidates)
            kept.append(pos)
            ignored.append(ignore)
        kept, ignored = torch.cat(kept), torch.cat(ignored).to(device)
        reassigned = pos_inds[(cpu_inds.unsqueeze(1) != kept).all(1).to(device)]
        label[reassigned] = self.num_classes
        label_weight[ignored] = 0
        bbox_weight[reassigned] = 0
        return label, label_weight, bbox_weight, len(kept)

    def gmm_separation_scheme(self, gmm_assignment, scores, pos_inds_gmm) -> tuple:
        """Positives: the candidates (sorted by loss) of the low-loss component up to its most likely one;
        ignored: none. Override to split differently. Returns (positive indices, ignored indices)."""
        foreground = gmm_assignment == 0
        if not foreground.any():
            return pos_inds_gmm.new_zeros(0), pos_inds_gmm.new_zeros(0)
        best = int(scores[foreground].argmax())
        return pos_inds_gmm[foreground][:best + 1], pos_inds_gmm.new_zeros(0)

    def get_targets(self, anchor_list, valid_flag_list, gt_bboxes_list, img_metas, gt_bboxes_ignore_list=None,
                    gt_labels_list=None, label_channels=1, unmap_outputs=True) -> tuple | None:
        """Per image (not per level): labels, label weights, box targets, box weights of all anchors, the
        first-match positives' indices and their gt indices. None when an image has no anchor inside."""
        if not unmap_outputs:
            raise ValueError('PAAHead.get_targets needs unmap_outputs=True (targets of all anchors)')
        num_imgs = len(img_metas)
        results = multi_apply(self._get_targets_single, [torch.cat(a) for a in anchor_list],
                              [torch.cat(f) for f in valid_flag_list], gt_bboxes_list,
                              gt_bboxes_ignore_list or [None] * num_imgs, gt_labels_list or [None] * num_imgs,
                              img_metas, label_channels=1, unmap_outputs=True)
        labels, label_weights, bbox_targets, bbox_weights, _, _, sampling_results = results
        if any(lab is None for lab in labels):
            return None
        pos_inds = [((lab >= 0) & (lab < self.num_classes)).nonzero().view(-1) for lab in labels]
        gt_inds = [result.pos_assigned_gt_inds for result in sampling_results]
        return labels, label_weights, bbox_targets, bbox_weights, pos_inds, gt_inds

    @force_fp32(apply_to=('cls_scores', 'bbox_preds'))
    def get_bboxes(self, cls_scores, bbox_preds, score_factors=None, img_metas=None, cfg=None,
                   rescale: bool = False, with_nms: bool = True, **kwargs) -> list:
        """Per image ``(det_bboxes (k, 5), det_labels (k,))``, scored by ``sqrt(class score * IoU)``."""
        if not with_nms:
            raise NotImplementedError('PAAHead has no test-time augmentation (neither had mmdet 2.x): its score '
                                      'voting needs the candidates of one image; use simple_test')
        return super().get_bboxes(cls_scores, bbox_preds, score_factors, img_metas, cfg, rescale, with_nms,
                                  **kwargs)

    def _get_bboxes_single(self, cls_score_list, bbox_pred_list, score_factor_list, mlvl_priors, img_meta,
                           cfg, rescale=False, with_nms=True, **kwargs):
        cfg = self.test_cfg if cfg is None else cfg
        nms_pre = cfg.get('nms_pre', -1)
        mlvl_bboxes, mlvl_scores, mlvl_factors = [], [], []
        for cls_score, bbox_pred, factor, priors in zip(cls_score_list, bbox_pred_list, score_factor_list,
                                                        mlvl_priors):
            scores = cls_score.permute(1, 2, 0).reshape(-1, self.cls_out_channels).sigmoid()
            bbox_pred = bbox_pred.permute(1, 2, 0).reshape(-1, 4)
            factor = factor.permute(1, 2, 0).reshape(-1).sigmoid()
            if 0 < nms_pre < scores.shape[0]:
                keep = (scores * factor[:, None]).sqrt().max(dim=1)[0].topk(nms_pre)[1]
                priors, bbox_pred, scores, factor = priors[keep], bbox_pred[keep], scores[keep], factor[keep]
            mlvl_bboxes.append(self.bbox_coder.decode(priors, bbox_pred, max_shape=img_meta['img_shape']))
            mlvl_scores.append(scores)
            mlvl_factors.append(factor)
        return self._bbox_post_process(mlvl_scores, mlvl_bboxes, img_meta['scale_factor'], cfg, rescale,
                                       with_nms, mlvl_factors)

    def _bbox_post_process(self, mlvl_scores, mlvl_bboxes, scale_factor, cfg, rescale=False, with_nms=True,
                           mlvl_score_factors=None, **kwargs):
        """Class-wise NMS on ``sqrt(score * IoU)``, then (``score_voting``) score voting."""
        bboxes = torch.cat(mlvl_bboxes)
        if rescale:
            bboxes /= bboxes.new_tensor(scale_factor)
        scores = torch.cat(mlvl_scores)
        nms_scores = (scores * torch.cat(mlvl_score_factors)[:, None]).sqrt()
        nms_scores = torch.cat([nms_scores, nms_scores.new_zeros(nms_scores.shape[0], 1)], dim=1)  # background
        det_bboxes, det_labels = multiclass_nms(bboxes, nms_scores, cfg.score_thr, cfg.nms, cfg.max_per_img)
        if cfg.get('score_voting', self.with_score_voting) and len(det_bboxes) > 0:
            det_bboxes, det_labels = self.score_voting(det_bboxes, det_labels, bboxes, nms_scores, cfg.score_thr)
        return det_bboxes, det_labels

    def score_voting(self, det_bboxes, det_labels, mlvl_bboxes, mlvl_nms_scores, score_thr: float) -> tuple:
        """Each kept box becomes the mean of its class's candidates (score > ``score_thr``) overlapping it by
        IoU > 0.01, weighted by ``exp(-(1 - IoU)^2 / 0.025) * score``; its score stays. Detections come out
        grouped by class (ascending), in their order within a class."""
        candidates = mlvl_nms_scores[:, :self.num_classes] > score_thr
        voted_bboxes, voted_labels = [], []
        for cls in det_labels.unique(sorted=True).tolist():
            cls_scores = mlvl_nms_scores[candidates[:, cls], cls]
            cls_bboxes = mlvl_bboxes[candidates[:, cls]]
            dets = det_bboxes[det_labels == cls]
            ious = bbox_overlaps(dets[:, :4], cls_bboxes)
            weights = torch.exp(-(1 - ious)**2 / 0.025) * cls_scores[None] * (ious > 0.01)
            voted = (weights @ cls_bboxes) / weights.sum(dim=1, keepdim=True)
            voted_bboxes.append(torch.cat([voted, dets[:, 4:]], dim=1))
            voted_labels.append(det_labels.new_full((len(dets), ), cls))
        return torch.cat(voted_bboxes), torch.cat(voted_labels)

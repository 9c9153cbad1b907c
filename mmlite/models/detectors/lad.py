"""``LAD``: label assignment distillation: a student trained on a frozen PAA teacher's label assignment."""
from __future__ import annotations

import torch
import torch.nn as nn

from ..builder import DETECTORS, build_backbone, build_head, build_neck
from .kd_one_stage import KnowledgeDistillationSingleStageDetector
from .single_stage import SingleStageDetector


@DETECTORS.register_module()
class LAD(KnowledgeDistillationSingleStageDetector):
    """The teacher is given by parts (``teacher_backbone``, ``teacher_neck``, ``teacher_bbox_head``, a
    ``LADHead``) and ``teacher_ckpt``; it assigns the labels (PAA on its own predictions) the student's
    ``LADHead`` learns from. The teacher stays outside the state dict, frozen, on the student's device."""

    def __init__(self, backbone, neck, bbox_head, teacher_backbone, teacher_neck, teacher_bbox_head, teacher_ckpt,
                 eval_teacher: bool = True, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        SingleStageDetector.__init__(self, backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)
        self.eval_teacher = eval_teacher
        teacher = nn.Module()
        teacher.backbone = build_backbone(teacher_backbone)
        if teacher_neck is not None:
            teacher.neck = build_neck(teacher_neck)
        teacher.bbox_head = build_head(dict(teacher_bbox_head, train_cfg=self.train_cfg, test_cfg=self.test_cfg))
        self._set_teacher(teacher, teacher_ckpt)

    @property
    def with_teacher_neck(self) -> bool:
        return getattr(self.teacher_model, 'neck', None) is not None

    def extract_teacher_feat(self, img):
        x = self.teacher_model.backbone(img)
        return self.teacher_model.neck(x) if self.with_teacher_neck else x

    def forward_train(self, img, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore=None) -> dict:
        with torch.no_grad():
            outs_teacher = self.teacher_model.bbox_head(self.extract_teacher_feat(img))
            assignment = self.teacher_model.bbox_head.get_label_assignment(*outs_teacher, gt_bboxes, gt_labels,
                                                                           img_metas, gt_bboxes_ignore)
        return self.bbox_head.forward_train(self.extract_feat(img), assignment, img_metas, gt_bboxes, gt_labels,
                                            gt_bboxes_ignore)

"""``KnowledgeDistillationSingleStageDetector``: a single-stage student trained against a frozen teacher."""
from __future__ import annotations

import os.path as osp
from pathlib import Path

import torch

from ...runner.checkpoint import load_checkpoint
from ...utils import Config
from ..builder import DETECTORS
from .single_stage import SingleStageDetector


def _teacher_cfg(teacher_config) -> dict:
    if not isinstance(teacher_config, (str, Path)):
        return teacher_config
    if not osp.isfile(teacher_config):
        raise FileNotFoundError(f'model.teacher_config: {teacher_config} not found (a path relative to the '
                                f'current directory {osp.abspath(".")}, as in mmdet; run from the repository '
                                'root or give an absolute path)')
    return Config.fromfile(str(teacher_config))


@DETECTORS.register_module()
class KnowledgeDistillationSingleStageDetector(SingleStageDetector):
    """The student (``backbone``/``neck``/``bbox_head``) learns from the teacher's head outputs, computed without
    gradients; only the student is in the state dict and the optimizer.

    Args:
        teacher_config: The teacher's config file (relative to the current directory, as mmdet) or dict.
        teacher_ckpt: Checkpoint loaded into the teacher at construction. Defaults to None.
        eval_teacher: Keep the teacher in eval mode. Defaults to True.
    """

    def __init__(self, backbone, neck, bbox_head, teacher_config, teacher_ckpt=None, eval_teacher: bool = True,
                 train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)
        from .. import build_detector
        self.eval_teacher = eval_teacher
        self._set_teacher(build_detector(_teacher_cfg(teacher_config)['model']), teacher_ckpt)

    def _set_teacher(self, teacher: torch.nn.Module, teacher_ckpt) -> None:
        """Keep ``teacher`` as ``teacher_model``, not a registered submodule (outside the state dict and the
        parameters; ``_apply`` moves it), with ``teacher_ckpt`` loaded when given."""
        object.__setattr__(self, 'teacher_model', teacher)
        if teacher_ckpt is not None:
            load_checkpoint(teacher, teacher_ckpt, map_location='cpu')

    def forward_train(self, img, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore=None) -> dict:
        x = self.extract_feat(img)
        with torch.no_grad():
            out_teacher = self.teacher_model.bbox_head(self.teacher_model.extract_feat(img))
        return self.bbox_head.forward_train(x, out_teacher, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore)

    def _apply(self, fn, *args, **kwargs):
        # .to()/.cuda()/.half() reach the teacher too (mmdet moved it only in .cuda())
        self.teacher_model._apply(fn, *args, **kwargs)
        return super()._apply(fn, *args, **kwargs)

    def train(self, mode: bool = True):
        self.teacher_model.train(mode and not self.eval_teacher)
        return super().train(mode)

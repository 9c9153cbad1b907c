"""``YOLOX``: a single-stage detector trained at a random input size, redrawn every few iterations."""
from __future__ import annotations

import random

import torch
import torch.distributed as dist
import torch.nn.functional as F

from ...runner import get_dist_info
from ..builder import DETECTORS
from .single_stage import SingleStageDetector


@DETECTORS.register_module()
class YOLOX(SingleStageDetector):
    """YOLOX (Ge et al., 2021). In training, batches are resized from ``input_size`` (the pipeline's size,
    ``(h, w)``) to the current size, redrawn every ``random_size_interval`` iterations as ``size_multiplier``
    times a random integer of ``random_size_range`` (by process 0, broadcast to the others)."""

    def __init__(self, backbone, neck, bbox_head, train_cfg=None, test_cfg=None, pretrained=None,
                 input_size=(640, 640), size_multiplier: int = 32, random_size_range=(15, 25),
                 random_size_interval: int = 10, init_cfg=None):
        super().__init__(backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)
        if random_size_interval < 1:
            raise ValueError(f'YOLOX random_size_interval must be >= 1, got {random_size_interval}')
        self._default_input_size = self._input_size = tuple(input_size)
        self._random_size_range = random_size_range
        self._random_size_interval = random_size_interval
        self._size_multiplier = size_multiplier
        self._progress_in_iter = 0

    def forward_train(self, img, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore=None) -> dict:
        img, gt_bboxes = self._preprocess(img, gt_bboxes)
        losses = super().forward_train(img, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore)
        if (self._progress_in_iter + 1) % self._random_size_interval == 0:
            self._input_size = self._random_resize(device=img.device)
        self._progress_in_iter += 1
        return losses

    def _preprocess(self, img: torch.Tensor, gt_bboxes: list) -> tuple:
        """The batch (and, in place, its boxes) scaled from ``input_size`` to the current size."""
        scale_y = self._input_size[0] / self._default_input_size[0]
        scale_x = self._input_size[1] / self._default_input_size[1]
        if scale_x != 1 or scale_y != 1:
            img = F.interpolate(img, size=self._input_size, mode='bilinear', align_corners=False)
            for boxes in gt_bboxes:
                boxes[..., 0::2] = boxes[..., 0::2] * scale_x
                boxes[..., 1::2] = boxes[..., 1::2] * scale_y
        return img, gt_bboxes

    def _random_resize(self, device) -> tuple:
        rank, world_size = get_dist_info()
        size = torch.zeros(2, dtype=torch.long, device=device)
        if rank == 0:
            draw = random.randint(*self._random_size_range)
            aspect_ratio = float(self._default_input_size[1]) / self._default_input_size[0]
            size[0], size[1] = self._size_multiplier * draw, self._size_multiplier * int(aspect_ratio * draw)
        if world_size > 1:
            dist.broadcast(size, 0)
        return int(size[0]), int(size[1])

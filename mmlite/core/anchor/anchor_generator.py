"""``AnchorGenerator``: mmdet's anchor layout (centre offset, scale/ratio order, valid flags)."""
from __future__ import annotations

import numpy as np
import torch
from torch.nn.modules.utils import _pair

from ...utils import Registry, build_from_cfg

PRIOR_GENERATORS = Registry('Generator for anchors and points')
ANCHOR_GENERATORS = PRIOR_GENERATORS


def build_prior_generator(cfg: dict, default_args: dict | None = None):
    return build_from_cfg(cfg, PRIOR_GENERATORS, default_args)


build_anchor_generator = build_prior_generator


def grid_xy(x: torch.Tensor, y: torch.Tensor, row_major: bool = True) -> tuple:
    """Flattened ``(xx, yy)`` of the grid spanned by ``x`` (columns) and ``y`` (rows), row by row."""
    xx = x.repeat(y.shape[0])
    yy = y.view(-1, 1).repeat(1, x.shape[0]).view(-1)
    return (xx, yy) if row_major else (yy, xx)


def valid_grid_flags(stride, featmap_size, pad_shape, num_base_priors: int, device='cuda') -> torch.Tensor:
    """Whether each prior of a level lies at a position inside the padded image ``pad_shape``."""
    stride_w, stride_h = stride
    feat_h, feat_w = featmap_size
    h, w = pad_shape[:2]
    valid_size = (min(int(np.ceil(h / stride_h)), feat_h), min(int(np.ceil(w / stride_w)), feat_w))
    return _valid_size_flags((feat_h, feat_w), valid_size, num_base_priors, device)


def _valid_size_flags(featmap_size, valid_size, num_base_priors: int, device) -> torch.Tensor:
    feat_h, feat_w = featmap_size
    valid_h, valid_w = valid_size
    valid_x = torch.zeros(feat_w, dtype=torch.bool, device=device)
    valid_y = torch.zeros(feat_h, dtype=torch.bool, device=device)
    valid_x[:valid_w] = 1
    valid_y[:valid_h] = 1
    valid_xx, valid_yy = grid_xy(valid_x, valid_y)
    valid = valid_xx & valid_yy
    return valid[:, None].expand(valid.size(0), num_base_priors).contiguous().view(-1)


@PRIOR_GENERATORS.register_module()
class AnchorGenerator:
    """Square-grid anchors per feature level.

    Args:
        strides: Stride of each level (an int or ``(w, h)``).
        ratios: Height / width ratios.
        scales: Anchor scales (exclusive with ``octave_base_scale`` + ``scales_per_octave``).
        base_sizes: Base size per level; defaults to the level's (smaller) stride.
        scale_major: Order anchors scale-major (mmdet's default) rather than ratio-major.
        octave_base_scale / scales_per_octave: RetinaNet-style scales.
        centers: Explicit anchor centres per level (exclusive with ``center_offset``).
        center_offset: Centre offset relative to the stride. Defaults to 0.
    """

    def __init__(self, strides, ratios, scales=None, base_sizes=None, scale_major: bool = True,
                 octave_base_scale=None, scales_per_octave=None, centers=None, center_offset: float = 0.):
        if center_offset != 0 and centers is not None:
            raise ValueError('center cannot be set when center_offset is not 0')
        if not 0 <= center_offset <= 1:
            raise ValueError(f'center_offset should be in range [0, 1], {center_offset} is given.')
        if centers is not None and len(centers) != len(strides):
            raise ValueError('The number of strides should be the same as centers')
        self.strides = [_pair(stride) for stride in strides]
        self.base_sizes = [min(s) for s in self.strides] if base_sizes is None else base_sizes
        if len(self.base_sizes) != len(self.strides):
            raise ValueError('base_sizes and strides must have the same length')
        octave = octave_base_scale is not None and scales_per_octave is not None
        if octave == (scales is not None):
            raise ValueError('scales and octave_base_scale with scales_per_octave cannot be set at the same time')
        if scales is not None:
            self.scales = torch.Tensor(scales)
        else:
            self.scales = torch.Tensor(np.array([2**(i / scales_per_octave) for i in range(scales_per_octave)])
                                       * octave_base_scale)
        self.octave_base_scale, self.scales_per_octave = octave_base_scale, scales_per_octave
        self.ratios = torch.Tensor(ratios)
        self.scale_major, self.centers, self.center_offset = scale_major, centers, center_offset
        self.base_anchors = self.gen_base_anchors()

    @property
    def num_base_anchors(self) -> list[int]:
        return self.num_base_priors

    @property
    def num_base_priors(self) -> list[int]:
        return [anchors.size(0) for anchors in self.base_anchors]

    @property
    def num_levels(self) -> int:
        return len(self.strides)

    def gen_base_anchors(self) -> list[torch.Tensor]:
        return [self.gen_single_level_base_anchors(size, self.scales, self.ratios,
                                                   None if self.centers is None else self.centers[i])
                for i, size in enumerate(self.base_sizes)]

    def gen_single_level_base_anchors(self, base_size, scales, ratios, center=None) -> torch.Tensor:
        w = h = base_size
        x_center, y_center = (self.center_offset * w, self.center_offset * h) if center is None else center
        h_ratios = torch.sqrt(ratios)
        w_ratios = 1 / h_ratios
        if self.scale_major:
            ws = (w * w_ratios[:, None] * scales[None, :]).view(-1)
            hs = (h * h_ratios[:, None] * scales[None, :]).view(-1)
        else:
            ws = (w * scales[:, None] * w_ratios[None, :]).view(-1)
            hs = (h * scales[:, None] * h_ratios[None, :]).view(-1)
        return torch.stack([x_center - 0.5 * ws, y_center - 0.5 * hs, x_center + 0.5 * ws, y_center + 0.5 * hs],
                           dim=-1)

    @staticmethod
    def _meshgrid(x: torch.Tensor, y: torch.Tensor, row_major: bool = True) -> tuple:
        return grid_xy(x, y, row_major)

    def grid_priors(self, featmap_sizes, dtype=torch.float32, device='cuda') -> list[torch.Tensor]:
        """Anchors of every level (``(h * w * A, 4)`` each, position-major)."""
        if len(featmap_sizes) != self.num_levels:
            raise ValueError(f'{len(featmap_sizes)} feature maps for {self.num_levels} anchor levels')
        return [self.single_level_grid_priors(featmap_sizes[i], i, dtype=dtype, device=device)
                for i in range(self.num_levels)]

    def single_level_grid_priors(self, featmap_size, level_idx: int, dtype=torch.float32,
                                 device='cuda') -> torch.Tensor:
        base_anchors = self.base_anchors[level_idx].to(device).to(dtype)
        feat_h, feat_w = featmap_size
        stride_w, stride_h = self.strides[level_idx]
        shift_x = torch.arange(0, feat_w, device=device).to(dtype) * stride_w
        shift_y = torch.arange(0, feat_h, device=device).to(dtype) * stride_h
        shift_xx, shift_yy = self._meshgrid(shift_x, shift_y)
        shifts = torch.stack([shift_xx, shift_yy, shift_xx, shift_yy], dim=-1)
        return (base_anchors[None, :, :] + shifts[:, None, :]).view(-1, 4)

    def grid_anchors(self, featmap_sizes, device='cuda') -> list[torch.Tensor]:
        """Deprecated name of :meth:`grid_priors`."""
        return self.grid_priors(featmap_sizes, device=device)

    def valid_flags(self, featmap_sizes, pad_shape, device='cuda') -> list[torch.Tensor]:
        """Per level, whether each anchor's position lies within the padded image."""
        return [valid_grid_flags(self.strides[i], featmap_sizes[i], pad_shape, self.num_base_anchors[i], device)
                for i in range(self.num_levels)]

    def single_level_valid_flags(self, featmap_size, valid_size, num_base_anchors: int,
                                 device='cuda') -> torch.Tensor:
        return _valid_size_flags(featmap_size, valid_size, num_base_anchors, device)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(strides={self.strides}, ratios={self.ratios}, '
                f'scales={self.scales}, base_sizes={self.base_sizes})')


@PRIOR_GENERATORS.register_module()
class YOLOAnchorGenerator(AnchorGenerator):
    """YOLOv3's anchors: explicit ``(w, h)`` sizes per level, centred in each stride cell.

    Args:
        strides: Stride of each level.
        base_sizes: Per level, the ``(w, h)`` of its anchors (the same count on every level).
    """

    def __init__(self, strides, base_sizes):  # AnchorGenerator.__init__ skipped: no scales or ratios
        self.strides = [_pair(stride) for stride in strides]
        self.centers = [(stride[0] / 2., stride[1] / 2.) for stride in self.strides]
        if len({len(sizes) for sizes in base_sizes}) != 1:
            raise ValueError(f'YOLOAnchorGenerator: every level needs the same number of base sizes, got {base_sizes}')
        self.base_sizes = [[_pair(size) for size in sizes] for sizes in base_sizes]
        self.base_anchors = self.gen_base_anchors()

    @property
    def num_levels(self) -> int:
        return len(self.base_sizes)

    def gen_base_anchors(self) -> list[torch.Tensor]:
        return [self.gen_single_level_base_anchors(sizes, self.centers[i]) for i, sizes in enumerate(self.base_sizes)]

    def gen_single_level_base_anchors(self, base_sizes_per_level, center=None) -> torch.Tensor:
        x_center, y_center = center
        return torch.stack([torch.Tensor([x_center - 0.5 * w, y_center - 0.5 * h, x_center + 0.5 * w,
                                          y_center + 0.5 * h]) for w, h in base_sizes_per_level])

    def responsible_flags(self, featmap_sizes, gt_bboxes: torch.Tensor, device='cuda') -> list[torch.Tensor]:
        """Per level, whether each anchor lies in a grid cell that holds a gt box centre."""
        if len(featmap_sizes) != self.num_levels:
            raise ValueError(f'{len(featmap_sizes)} feature maps for {self.num_levels} anchor levels')
        return [self.single_level_responsible_flags(featmap_sizes[i], gt_bboxes, self.strides[i],
                                                    self.num_base_anchors[i], device=device)
                for i in range(self.num_levels)]

    def single_level_responsible_flags(self, featmap_size, gt_bboxes: torch.Tensor, stride, num_base_anchors: int,
                                       device='cuda') -> torch.Tensor:
        feat_h, feat_w = featmap_size
        grid_x = torch.floor(((gt_bboxes[:, 0] + gt_bboxes[:, 2]) * 0.5).to(device) / stride[0]).long()
        grid_y = torch.floor(((gt_bboxes[:, 1] + gt_bboxes[:, 3]) * 0.5).to(device) / stride[1]).long()
        responsible = torch.zeros(feat_h * feat_w, dtype=torch.uint8, device=device)
        responsible[grid_y * feat_w + grid_x] = 1
        return responsible[:, None].expand(responsible.size(0), num_base_anchors).contiguous().view(-1)

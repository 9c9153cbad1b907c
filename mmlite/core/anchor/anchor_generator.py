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

    def _anchor_sides(self, base_size, scales, ratios) -> tuple[torch.Tensor, torch.Tensor]:
        """Widths and heights of one level's anchors (scale-major or ratio-major order)."""
        h_ratios = torch.sqrt(ratios)
        w_ratios = 1 / h_ratios
        if self.scale_major:
            return ((base_size * w_ratios[:, None] * scales[None, :]).view(-1),
                    (base_size * h_ratios[:, None] * scales[None, :]).view(-1))
        return ((base_size * scales[:, None] * w_ratios[None, :]).view(-1),
                (base_size * scales[:, None] * h_ratios[None, :]).view(-1))

    def gen_single_level_base_anchors(self, base_size, scales, ratios, center=None) -> torch.Tensor:
        w = h = base_size
        x_center, y_center = (self.center_offset * w, self.center_offset * h) if center is None else center
        ws, hs = self._anchor_sides(base_size, scales, ratios)
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


# (min, max) size percentages of SSD's first level, by input size and first basesize ratio
_SSD_FIRST_LEVEL = {(300, 0.15): (7, 15), (300, 0.2): (10, 20), (512, 0.1): (4, 10), (512, 0.15): (7, 15)}


def ssd_min_max_sizes(input_size: int, basesize_ratio_range: tuple, num_levels: int) -> tuple[list, list]:
    """SSD's per-level anchor sizes: evenly spaced ratios of ``input_size`` plus a smaller first level."""
    min_ratio, max_ratio = (int(r * 100) for r in basesize_ratio_range)
    step = int(np.floor(max_ratio - min_ratio) / (num_levels - 2))
    min_sizes = [int(input_size * ratio / 100) for ratio in range(min_ratio, max_ratio + 1, step)]
    max_sizes = [int(input_size * (ratio + step) / 100) for ratio in range(min_ratio, max_ratio + 1, step)]
    first = _SSD_FIRST_LEVEL.get((input_size, basesize_ratio_range[0]))
    if first is None:
        raise ValueError(f'SSDAnchorGenerator without min_sizes/max_sizes supports input_size 300 with '
                         f'basesize_ratio_range[0] 0.15 or 0.2, or 512 with 0.1 or 0.15; got {input_size} and '
                         f'{basesize_ratio_range[0]}')
    return [int(input_size * first[0] / 100)] + min_sizes, [int(input_size * first[1] / 100)] + max_sizes


@PRIOR_GENERATORS.register_module()
class SSDAnchorGenerator(AnchorGenerator):
    """SSD's anchors: per level, squares of ``min_size`` and ``sqrt(min_size * max_size)`` plus one pair of
    rectangles per ratio, centred in each stride cell.

    Args:
        strides / ratios: Per level (``ratios[k]``: e.g. ``[2, 3]`` gives 1/2, 2, 1/3, 3).
        min_sizes / max_sizes: Per level; derived from ``input_size`` and ``basesize_ratio_range`` when absent.
        scale_major: Anchor order. Defaults to True.
    """

    def __init__(self, strides, ratios, min_sizes=None, max_sizes=None, basesize_ratio_range=(0.15, 0.9),
                 input_size: int = 300, scale_major: bool = True):  # AnchorGenerator.__init__ skipped
        if len(strides) != len(ratios) or (min_sizes is None) != (max_sizes is None):
            raise ValueError('SSDAnchorGenerator: one ratios entry per stride, and min_sizes with max_sizes')
        self.strides = [_pair(stride) for stride in strides]
        self.centers = [(stride[0] / 2., stride[1] / 2.) for stride in self.strides]
        if min_sizes is None:
            self.input_size, self.basesize_ratio_range = input_size, basesize_ratio_range
            min_sizes, max_sizes = ssd_min_max_sizes(input_size, basesize_ratio_range, len(self.strides))
        if not len(min_sizes) == len(max_sizes) == len(strides):
            raise ValueError('SSDAnchorGenerator: min_sizes and max_sizes need one entry per stride')
        self.base_sizes = min_sizes
        self.scales = [torch.Tensor([1., np.sqrt(max_sizes[k] / min_sizes[k])]) for k in range(len(self.strides))]
        self.ratios = [torch.Tensor([1.] + [v for r in level for v in (1 / r, r)]) for level in ratios]
        self.scale_major, self.center_offset = scale_major, 0
        self.base_anchors = self.gen_base_anchors()

    def gen_base_anchors(self) -> list[torch.Tensor]:
        anchors = []
        for i, base_size in enumerate(self.base_sizes):
            level = self.gen_single_level_base_anchors(base_size, scales=self.scales[i], ratios=self.ratios[i],
                                                       center=self.centers[i])
            # the two squares first, then the rectangles
            order = list(range(len(self.ratios[i])))
            order.insert(1, len(order))
            anchors.append(torch.index_select(level, 0, torch.LongTensor(order)))
        return anchors

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(strides={self.strides}, scales={self.scales}, ratios={self.ratios}, '
                f'base_sizes={self.base_sizes}, scale_major={self.scale_major})')


@PRIOR_GENERATORS.register_module()
class LegacyAnchorGenerator(AnchorGenerator):
    """mmdet 1.x's anchors, for its checkpoints and ``legacy_1.x`` configs: centres at
    ``center_offset * (size - 1)``, sides ``size - 1`` wide, corners rounded."""

    def gen_single_level_base_anchors(self, base_size, scales, ratios, center=None) -> torch.Tensor:
        offset = self.center_offset * (base_size - 1)
        x_center, y_center = (offset, offset) if center is None else center
        ws, hs = self._anchor_sides(base_size, scales, ratios)
        return torch.stack([x_center - 0.5 * (ws - 1), y_center - 0.5 * (hs - 1), x_center + 0.5 * (ws - 1),
                            y_center + 0.5 * (hs - 1)], dim=-1).round()


@PRIOR_GENERATORS.register_module()
class LegacySSDAnchorGenerator(SSDAnchorGenerator, LegacyAnchorGenerator):
    """mmdet 1.x's SSD anchors: legacy sizes, centres at ``(stride - 1) / 2``."""

    def __init__(self, strides, ratios, basesize_ratio_range, input_size: int = 300, scale_major: bool = True):
        super().__init__(strides=strides, ratios=ratios, basesize_ratio_range=basesize_ratio_range,
                         input_size=input_size, scale_major=scale_major)
        self.centers = [((stride - 1) / 2., (stride - 1) / 2.) for stride in strides]
        self.base_anchors = self.gen_base_anchors()

"""``FPN_CARAFE``: an FPN whose top-down path upsamples with CARAFE (or another upsample layer)."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...cnn import ConvModule, build_upsample_layer, xavier_init
from ...ops import CARAFEPack
from ...runner import BaseModule
from ..builder import NECKS

_UPSAMPLES = ('nearest', 'bilinear', 'deconv', 'pixel_shuffle', 'carafe', None)
_ORDERS = (('conv', 'norm', 'act'), ('act', 'conv', 'norm'))


@NECKS.register_module()
class FPN_CARAFE(BaseModule):  # noqa: N801 (mmdet's name)
    """FPN with learnt 2x upsampling: laterals of the backbone levels ``start_level..end_level`` and, for
    ``num_outs`` beyond them, stride-2 3x3 convs stacked on the last input; the top-down sum runs over all of them
    (an upsampled map one pixel larger is cropped), then a 3x3 conv per level.

    Args:
        in_channels / out_channels / num_outs / start_level / end_level: As ``FPN``.
        norm_cfg / act_cfg / order: Of every ConvModule (no bias with a norm).
        upsample_cfg: ``type`` 'carafe' (with ``CARAFEPack``'s arguments), 'nearest', 'bilinear', 'deconv' or
            'pixel_shuffle' (both with ``upsample_kernel``) or None (no upsampling: equal sizes).
    """

    def __init__(self, in_channels: list, out_channels: int, num_outs: int, start_level: int = 0,
                 end_level: int = -1, norm_cfg=None, act_cfg=None, order=('conv', 'norm', 'act'),
                 upsample_cfg=dict(type='carafe', up_kernel=5, up_group=1, encoder_kernel=3,  # noqa: B006
                                   encoder_dilation=1),
                 init_cfg=None):
        if init_cfg is not None:
            raise ValueError('FPN_CARAFE initialises its own weights; init_cfg is not allowed')
        super().__init__(init_cfg)
        self.upsample_cfg = dict(upsample_cfg)
        self.upsample = self.upsample_cfg.get('type')
        if self.upsample not in _UPSAMPLES or tuple(order) not in _ORDERS:
            raise ValueError(f'FPN_CARAFE: upsample_cfg.type must be one of {_UPSAMPLES} and order one of '
                             f'{_ORDERS}, got {self.upsample!r} and {order}')
        if self.upsample in ('deconv', 'pixel_shuffle'):
            if self.upsample_cfg.get('upsample_kernel', 0) <= 0:
                raise ValueError(f'FPN_CARAFE: upsample_cfg.type={self.upsample!r} needs upsample_kernel > 0')
            self.upsample_kernel = self.upsample_cfg.pop('upsample_kernel')
        self.in_channels, self.out_channels, self.num_ins = list(in_channels), out_channels, len(in_channels)
        self.num_outs, self.norm_cfg, self.act_cfg, self.order = num_outs, norm_cfg, act_cfg, tuple(order)
        self.with_bias = norm_cfg is None
        self.relu = nn.ReLU(inplace=False)
        self.start_level, self.end_level = start_level, end_level
        self.backbone_end_level = self.num_ins if end_level in (-1, self.num_ins - 1) else end_level + 1
        expected = num_outs >= self.num_ins - start_level if end_level in (-1, self.num_ins - 1) else (
            end_level < self.num_ins and num_outs == end_level - start_level + 1)
        if not expected:
            raise ValueError(f'FPN_CARAFE: num_outs={num_outs} does not fit {self.num_ins} inputs with '
                             f'start_level={start_level}, end_level={end_level}')
        self.lateral_convs, self.fpn_convs, self.upsample_modules = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        for i in range(start_level, self.backbone_end_level):
            self.lateral_convs.append(self._conv(in_channels[i], 1))
            self.fpn_convs.append(self._conv(out_channels, 3, padding=1))
            if i != self.backbone_end_level - 1 and self.upsample is not None:
                self.upsample_modules.append(self._upsampler(extra=False))
        for i in range(num_outs - self.backbone_end_level + start_level):
            if self.upsample is not None:
                self.upsample_modules.append(self._upsampler(extra=True))
            self.fpn_convs.append(self._conv(out_channels, 3, padding=1))
            self.lateral_convs.append(self._conv(in_channels[self.backbone_end_level - 1] if i == 0 else out_channels,
                                                 3, stride=2, padding=1))

    def _conv(self, in_channels: int, kernel_size: int, **kwargs) -> ConvModule:
        return ConvModule(in_channels, self.out_channels, kernel_size, norm_cfg=self.norm_cfg, bias=self.with_bias,
                          act_cfg=self.act_cfg, inplace=False, order=self.order, **kwargs)

    def _upsampler(self, extra: bool) -> nn.Module:
        """A 2x upsample layer per ``upsample_cfg`` (mmdet builds the extra levels' from the type and the
        CARAFE arguments only, without ``upsample_cfg``'s other keys)."""
        channels = self.out_channels
        kernel = getattr(self, 'upsample_kernel', 0)
        if self.upsample == 'deconv':
            cfg = dict(in_channels=channels, out_channels=channels, kernel_size=kernel, stride=2,
                       padding=(kernel - 1) // 2, output_padding=(kernel - 1) // 2)
        elif self.upsample == 'pixel_shuffle':
            cfg = dict(in_channels=channels, out_channels=channels, scale_factor=2, upsample_kernel=kernel)
        elif self.upsample == 'carafe':
            cfg = dict(channels=channels, scale_factor=2)
        else:
            cfg = dict(scale_factor=2, mode=self.upsample, align_corners=None if self.upsample == 'nearest' else False)
        if self.upsample == 'carafe' or not extra:
            cfg = dict(self.upsample_cfg, **cfg)
        return build_upsample_layer(dict(cfg, type=self.upsample))

    def init_weights(self) -> None:
        super().init_weights()
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                xavier_init(module, distribution='uniform')
        for module in self.modules():
            if isinstance(module, CARAFEPack):
                module.init_weights()

    @staticmethod
    def slice_as(src: torch.Tensor, dst: torch.Tensor) -> torch.Tensor:
        """``src`` cropped to ``dst``'s height and width (``src`` is at least as large)."""
        if src.shape[2] < dst.shape[2] or src.shape[3] < dst.shape[3]:
            raise ValueError(f'cannot crop {tuple(src.shape)} to {tuple(dst.shape)}')
        return src[:, :, :dst.shape[2], :dst.shape[3]]

    def tensor_add(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """``a + b``, with ``b`` cropped to ``a``'s size."""
        return a + (b if a.shape == b.shape else self.slice_as(b, a))

    def forward(self, inputs) -> tuple:
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'FPN_CARAFE expects {len(self.in_channels)} inputs, got {len(inputs)}')
        laterals = []
        for i, lateral_conv in enumerate(self.lateral_convs):
            if i <= self.backbone_end_level - self.start_level:
                laterals.append(lateral_conv(inputs[min(i + self.start_level, len(inputs) - 1)]))
            else:
                laterals.append(lateral_conv(laterals[-1]))
        for i in range(len(laterals) - 1, 0, -1):
            upsampled = self.upsample_modules[i - 1](laterals[i]) if self.upsample is not None else laterals[i]
            laterals[i - 1] = self.tensor_add(laterals[i - 1], upsampled)
        return tuple(fpn_conv(lateral) for fpn_conv, lateral in zip(self.fpn_convs, laterals))

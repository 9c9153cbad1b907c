"""``DetectoRS_ResNet``: ResNet with switchable atrous convolutions and the recursive feature pyramid's feedback
inputs (DetectoRS, Qiao et al., 2021)."""
from __future__ import annotations

import torch.utils.checkpoint as cp

from ...cnn import build_conv_layer
from ..builder import BACKBONES
from .resnet import Bottleneck as _Bottleneck
from .resnet import ResNet


class Bottleneck(_Bottleneck):
    """ResNet's bottleneck whose 3x3 conv may be a ``sac`` conv (e.g. ``dict(type='SAC', use_deform=True)``)
    and which, with ``rfp_inplanes``, adds a 1x1 projection (``rfp_conv``, zero-initialised) of the feedback
    feature before the last ReLU in :meth:`rfp_forward`."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, rfp_inplanes: int | None = None, sac=None, init_cfg=None,
                 **kwargs):
        super().__init__(inplanes, planes, init_cfg=init_cfg, **kwargs)
        if sac is not None and not isinstance(sac, dict):
            raise TypeError(f'DetectoRS backbone sac must be a conv config dict, got {sac!r}')
        self.sac, self.with_sac = sac, sac is not None
        if self.with_sac:
            self.conv2 = build_conv_layer(sac, planes, planes, kernel_size=3, stride=self.conv2_stride,
                                          padding=self.dilation, dilation=self.dilation, bias=False)
        self.rfp_inplanes = rfp_inplanes
        if rfp_inplanes:
            self.rfp_conv = build_conv_layer(None, rfp_inplanes, planes * self.expansion, 1, stride=1, bias=True)
            if init_cfg is None:
                self.init_cfg = dict(type='Constant', val=0, override=dict(name='rfp_conv'))

    def rfp_forward(self, x, rfp_feat):
        """The block's output with the projected feedback ``rfp_feat`` added before the ReLU."""
        if self.with_cp and x.requires_grad:
            out = cp.checkpoint(self._inner_forward, x, use_reentrant=False)
        else:
            out = self._inner_forward(x)
        if self.rfp_inplanes:
            out = out + self.rfp_conv(rfp_feat)
        return self.relu(out)


@BACKBONES.register_module()
class DetectoRS_ResNet(ResNet):  # noqa: N801 - mmdet's name
    """ResNet-50/101/152 with ``sac`` convs in the stages flagged by ``stage_with_sac``, feedback projections
    (``rfp_inplanes`` channels) in the first block of stages 2-4 for :class:`RFP`'s recursive passes, and, with
    ``output_img``, the input image as first output (RFP reruns the backbone on it)."""

    arch_settings = {50: (Bottleneck, (3, 4, 6, 3)), 101: (Bottleneck, (3, 4, 23, 3)),
                     152: (Bottleneck, (3, 8, 36, 3))}

    def __init__(self, sac=None, stage_with_sac=(False, False, False, False), rfp_inplanes: int | None = None,
                 output_img: bool = False, pretrained=None, init_cfg=None, **kwargs):
        if init_cfg is not None and (not isinstance(init_cfg, dict) or init_cfg.get('type') != 'Pretrained'):
            raise ValueError(f'DetectoRS_ResNet init_cfg can only load pretrained weights '
                             f"(dict(type='Pretrained', checkpoint=...)), got {init_cfg!r}")
        self.sac, self.stage_with_sac = sac, stage_with_sac
        self.rfp_inplanes, self.output_img = rfp_inplanes, output_img
        super().__init__(pretrained=pretrained, init_cfg=init_cfg, **kwargs)

    def _stage_args(self, stage_idx: int) -> dict:
        args = dict(super()._stage_args(stage_idx), sac=self.sac if self.stage_with_sac[stage_idx] else None)
        if self.rfp_inplanes and stage_idx > 0:
            args['first_block_args'] = dict(rfp_inplanes=self.rfp_inplanes)
        return args

    def forward(self, x) -> tuple:
        outs = super().forward(x)
        return (x, ) + outs if self.output_img else outs

    def rfp_forward(self, x, rfp_feats: list) -> tuple:
        """The stage outputs with ``rfp_feats[i]`` fed back into stage ``i`` (i > 0)."""
        x = self._forward_stem(x)
        outs = []
        for i, name in enumerate(self.res_layers):
            rfp_feat = rfp_feats[i] if i > 0 else None
            for block in getattr(self, name):
                x = block.rfp_forward(x, rfp_feat)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _residual_norm_name(self) -> str | None:
        return 'norm3'

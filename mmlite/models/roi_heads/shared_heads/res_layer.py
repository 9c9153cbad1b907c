"""``ResLayer`` shared head: a ResNet stage run on every RoI's pooled features (C4 detectors)."""
from __future__ import annotations

from ....runner import BaseModule, auto_fp16
from ...backbones.common import FrozenStagesMixin, set_backbone_init
from ...backbones.resnet import ResLayer as _StageBlocks
from ...backbones.resnet import ResNet
from ...builder import SHARED_HEADS


@SHARED_HEADS.register_module()
class ResLayer(FrozenStagesMixin, BaseModule):
    """ResNet stage ``stage`` (0-based; 3 is ``layer4``) of a ``depth`` ResNet, as the RoI head's shared head:
    the C4 models pool RoIs from the stride-16 ``layer3`` output and run ``layer4`` on them.

    Args:
        depth: ResNet depth (50, 101, ...).
        stage: Stage index; the module is named ``layer{stage + 1}`` as in the backbone, so ImageNet
            checkpoints load into it. Defaults to 3.
        stride / dilation / style / with_cp / dcn: As the backbone's stage.
        norm_cfg / norm_eval: Norm layers, kept in eval mode with ``norm_eval``.
        pretrained / init_cfg: Deprecated path, or the init (Kaiming convs, constant norms by default).
    """

    def __init__(self, depth: int, stage: int = 3, stride: int = 2, dilation: int = 1, style: str = 'pytorch',
                 norm_cfg=dict(type='BN', requires_grad=True), norm_eval: bool = True,  # noqa: B006
                 with_cp: bool = False, dcn=None, pretrained=None, init_cfg=None):
        super().__init__(init_cfg)
        if depth not in ResNet.arch_settings:
            raise ValueError(f'ResLayer: depth={depth}; expected one of {sorted(ResNet.arch_settings)}')
        block, stage_blocks = ResNet.arch_settings[depth]
        if not 1 <= stage < len(stage_blocks):  # the input width is the previous stage's output
            raise ValueError(f'ResLayer: stage={stage}; expected a stage of ResNet-{depth} after the first '
                             f'(1-{len(stage_blocks) - 1})')
        self.norm_eval, self.norm_cfg, self.stage = norm_eval, norm_cfg, stage
        self.fp16_enabled = False
        planes = 64 * 2**stage
        layer = _StageBlocks(block, planes // 2 * block.expansion, planes, stage_blocks[stage], stride=stride,
                             dilation=dilation, style=style, with_cp=with_cp, norm_cfg=norm_cfg, dcn=dcn)
        self.add_module(f'layer{stage + 1}', layer)
        set_backbone_init(self, pretrained, init_cfg)

    @auto_fp16()
    def forward(self, x):
        return getattr(self, f'layer{self.stage + 1}')(x)

    def _freeze_stages(self) -> None:
        """Nothing to freeze: only ``norm_eval`` applies (``FrozenStagesMixin.train``)."""

"""``ResNeXt``: ResNet whose bottlenecks use a grouped 3x3 conv (mmdet 2.x arguments and names)."""
from __future__ import annotations

from ..builder import BACKBONES
from .resnet import Bottleneck, ResLayer, ResNet


@BACKBONES.register_module()
class ResNeXt(ResNet):
    """ResNeXt-50/101/152 (e.g. 32x4d: ``groups=32, base_width=4``); every other argument is ResNet's.

    A bottleneck of ``planes`` works on ``floor(planes * base_width / base_channels) * groups`` channels,
    so the state dict keeps ResNet's names (``layer1.0.conv2.weight``...) with ResNeXt's shapes.
    """

    arch_settings = {50: (Bottleneck, (3, 4, 6, 3)), 101: (Bottleneck, (3, 4, 23, 3)),
                     152: (Bottleneck, (3, 8, 36, 3))}

    def __init__(self, groups: int = 1, base_width: int = 4, **kwargs):
        # set before ResNet.__init__, which builds the stages through make_res_layer
        self.groups, self.base_width = groups, base_width
        super().__init__(**kwargs)

    def make_res_layer(self, **kwargs) -> ResLayer:
        return ResLayer(groups=self.groups, base_width=self.base_width, base_channels=self.base_channels, **kwargs)

    def _residual_norm_name(self):
        # mmdet 2.x's ResNeXt never zero-initialises the blocks' last norm (``zero_init_residual`` only acts on
        # ResNet's own block types there); kept, so training from scratch starts from the same weights
        return None

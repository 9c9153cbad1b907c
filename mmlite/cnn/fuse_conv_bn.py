"""``fuse_conv_bn``: fold eval-mode BatchNorm into the preceding conv for faster inference."""
from __future__ import annotations

import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.utils.fusion import fuse_conv_bn_eval


def fuse_conv_bn(module: nn.Module) -> nn.Module:
    """Replace every ``conv -> BN`` pair of consecutive children by the fused conv (BN becomes
    Identity); the module is changed in place and returned. Use on models in eval mode."""
    last_conv, last_name = None, None
    for name, child in module.named_children():
        if isinstance(child, _BatchNorm) and isinstance(last_conv, nn.Conv2d):
            setattr(module, last_name, fuse_conv_bn_eval(last_conv.eval(), child.eval()))
            setattr(module, name, nn.Identity())
            last_conv = None
        elif isinstance(child, nn.Conv2d):
            last_conv, last_name = child, name
        else:
            fuse_conv_bn(child)
            last_conv = None
    return module

"""``SCNetBBoxHead``: a ConvFC box head that can also return its shared feature (SCNet's feature relay)."""
from __future__ import annotations

from ...builder import HEADS
from .convfc_bbox_head import ConvFCBBoxHead


@HEADS.register_module()
class SCNetBBoxHead(ConvFCBBoxHead):
    """``forward(x, return_shared_feat=True)`` also returns the shared branch's output."""

    def forward(self, x, return_shared_feat: bool = False) -> tuple:
        shared = self._forward_shared(x)
        out = self._forward_cls_reg(shared)
        return out + (shared, ) if return_shared_feat else out

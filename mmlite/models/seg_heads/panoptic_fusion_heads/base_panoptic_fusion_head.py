"""``BasePanopticFusionHead``: merges instance and semantic predictions into a panoptic map."""
from __future__ import annotations

from abc import ABCMeta, abstractmethod

from ....runner import BaseModule
from ...builder import build_loss


class BasePanopticFusionHead(BaseModule, metaclass=ABCMeta):
    """Holds the class counts (``num_classes = things + stuff``, also the VOID label of the result),
    the ``test_cfg.panoptic`` section and an optional ``loss_panoptic``."""

    def __init__(self, num_things_classes: int = 80, num_stuff_classes: int = 53, test_cfg=None,
                 loss_panoptic: dict | None = None, init_cfg=None, **kwargs):
        super().__init__(init_cfg)
        self.num_things_classes, self.num_stuff_classes = num_things_classes, num_stuff_classes
        self.num_classes = num_things_classes + num_stuff_classes
        self.test_cfg = test_cfg
        self.loss_panoptic = build_loss(loss_panoptic) if loss_panoptic else None

    @property
    def with_loss(self) -> bool:
        return self.loss_panoptic is not None

    @abstractmethod
    def forward_train(self, gt_masks=None, gt_semantic_seg=None, **kwargs) -> dict:
        """Training losses (may be empty)."""

    @abstractmethod
    def simple_test(self, *args, **kwargs):
        """The panoptic result of one image."""

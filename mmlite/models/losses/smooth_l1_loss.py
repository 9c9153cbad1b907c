"""``mmdet.models.losses.smooth_l1_loss``, the mmdet module path: the names it had, re-exported."""
from .regression_losses import L1Loss, SmoothL1Loss, l1_loss, smooth_l1_loss

__all__ = ['L1Loss', 'SmoothL1Loss', 'l1_loss', 'smooth_l1_loss']

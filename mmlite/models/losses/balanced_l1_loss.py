"""``mmdet.models.losses.balanced_l1_loss``, the mmdet module path: the names it had, re-exported."""
from .extra_regression_losses import BalancedL1Loss, balanced_l1_loss

__all__ = ['BalancedL1Loss', 'balanced_l1_loss']

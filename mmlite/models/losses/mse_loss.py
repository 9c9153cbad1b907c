"""``mmdet.models.losses.mse_loss``, the mmdet module path: the names it had, re-exported."""
from .extra_regression_losses import MSELoss, mse_loss

__all__ = ['MSELoss', 'mse_loss']

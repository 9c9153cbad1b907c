"""``mmdet.models.losses.iou_loss``, the mmdet module path: the names it had, re-exported."""
from .extra_regression_losses import BoundedIoULoss, CIoULoss, DIoULoss, bounded_iou_loss, ciou_loss, diou_loss
from .regression_losses import GIoULoss, IoULoss, giou_loss, iou_loss

__all__ = [
    'BoundedIoULoss', 'CIoULoss', 'DIoULoss', 'GIoULoss', 'IoULoss', 'bounded_iou_loss', 'ciou_loss', 'diou_loss',
    'giou_loss', 'iou_loss'
]

"""``mmcv.visualization.image``, the mmcv module path: the names it had, re-exported."""
from ..image.visualization import imshow, imshow_bboxes, imshow_det_bboxes

__all__ = ['imshow', 'imshow_bboxes', 'imshow_det_bboxes']

"""``mmcv.visualization``, the mmcv package path: the names it had, re-exported."""
from ..image.color import Color, color_val
from ..image.visualization import imshow, imshow_bboxes, imshow_det_bboxes

__all__ = ['Color', 'color_val', 'imshow', 'imshow_bboxes', 'imshow_det_bboxes']

"""mmdet.core.visualization: drawing results and ground truth, class palettes."""
from .image import imshow_det_bboxes, imshow_gt_det_bboxes
from .palette import get_palette, palette_val

__all__ = ['imshow_det_bboxes', 'imshow_gt_det_bboxes', 'get_palette', 'palette_val']

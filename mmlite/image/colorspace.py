"""``mmcv.image.colorspace``, the mmcv module path: the names it had, re-exported."""
from .photometric import bgr2gray, bgr2hsv, bgr2rgb, gray2bgr, gray2rgb, hsv2bgr, imconvert, rgb2bgr, rgb2gray

__all__ = ['bgr2gray', 'bgr2hsv', 'bgr2rgb', 'gray2bgr', 'gray2rgb', 'hsv2bgr', 'imconvert', 'rgb2bgr', 'rgb2gray']

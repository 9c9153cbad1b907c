"""Image I/O and transforms on NumPy arrays (mmcv.image names), without OpenCV."""
from .color import Color, color_val
from .geometric import (imcrop, imflip, imflip_, impad, impad_to_multiple, imrescale, imresize, imresize_like,
                        rescale_size)
from .io import ImageDecodeError, imfrombytes, imread, imwrite
from .misc import tensor2imgs
from .photometric import (bgr2gray, bgr2hsv, bgr2rgb, gray2bgr, gray2rgb, hsv2bgr, imconvert, imdenormalize, iminvert,
                          imnormalize, imnormalize_, posterize, rgb2bgr, rgb2gray, solarize)
from .visualization import imshow, imshow_bboxes, imshow_det_bboxes

__all__ = [
    'imcrop', 'imflip', 'imflip_', 'impad', 'impad_to_multiple', 'imrescale', 'imresize', 'imresize_like',
    'rescale_size', 'ImageDecodeError', 'imfrombytes', 'imread', 'imwrite', 'bgr2gray', 'bgr2hsv', 'bgr2rgb',
    'gray2bgr', 'gray2rgb', 'hsv2bgr', 'imconvert', 'imdenormalize', 'iminvert', 'imnormalize', 'imnormalize_',
    'posterize', 'rgb2bgr', 'rgb2gray', 'solarize', 'imshow', 'imshow_bboxes', 'imshow_det_bboxes', 'tensor2imgs',
    'Color', 'color_val'
]

"""Image I/O and transforms on NumPy arrays (mmcv.image names), without OpenCV."""
from .geometric import imcrop, imflip, impad, impad_to_multiple, imrescale, imresize, rescale_size
from .io import ImageDecodeError, imfrombytes, imread, imwrite
from .misc import tensor2imgs
from .photometric import (bgr2gray, bgr2hsv, bgr2rgb, gray2bgr, hsv2bgr, imdenormalize, imnormalize, imnormalize_,
                          rgb2bgr)
from .visualization import imshow_det_bboxes

__all__ = [
    'imcrop', 'imflip', 'impad', 'impad_to_multiple', 'imrescale', 'imresize', 'rescale_size',
    'ImageDecodeError', 'imfrombytes', 'imread', 'imwrite', 'bgr2gray', 'bgr2hsv', 'bgr2rgb',
    'gray2bgr', 'hsv2bgr', 'imdenormalize', 'imnormalize', 'imnormalize_', 'rgb2bgr',
    'imshow_det_bboxes', 'tensor2imgs'
]

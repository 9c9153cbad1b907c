"""Image I/O and transforms on NumPy arrays (mmcv.image names), without OpenCV."""
from .adjust import (adjust_brightness, adjust_color, adjust_contrast, adjust_hue, adjust_lighting, adjust_sharpness,
                     auto_contrast, clahe, imequalize, lut_transform)
from .color import Color, color_val
from .colorspace import (bgr2gray, bgr2hls, bgr2hsv, bgr2rgb, bgr2ycbcr, gray2bgr, gray2rgb, hls2bgr, hsv2bgr,
                         imconvert, rgb2bgr, rgb2gray, rgb2ycbcr, ycbcr2bgr, ycbcr2rgb)
from .geometric import (bbox_clip, bbox_scaling, cutout, imcrop, imflip, imflip_, impad, impad_to_multiple, imrescale,
                        imresize, imresize_like, imresize_to_multiple, rescale_size)
from .io import ImageDecodeError, imfrombytes, imread, imwrite
from .misc import tensor2imgs
from .photometric import imdenormalize, iminvert, imnormalize, imnormalize_, posterize, solarize
from .visualization import imshow, imshow_bboxes, imshow_det_bboxes
from .warp import imrotate, imshear, imtranslate

__all__ = [
    'imcrop', 'imflip', 'imflip_', 'impad', 'impad_to_multiple', 'imrescale', 'imresize', 'imresize_like',
    'imresize_to_multiple', 'rescale_size', 'bbox_clip', 'bbox_scaling', 'cutout', 'imrotate', 'imshear',
    'imtranslate', 'ImageDecodeError', 'imfrombytes', 'imread', 'imwrite', 'bgr2gray', 'bgr2hsv', 'bgr2rgb',
    'gray2bgr', 'gray2rgb', 'hsv2bgr', 'bgr2hls', 'hls2bgr', 'bgr2ycbcr', 'rgb2ycbcr', 'ycbcr2bgr', 'ycbcr2rgb',
    'imconvert', 'imdenormalize', 'iminvert', 'imnormalize', 'imnormalize_', 'posterize', 'rgb2bgr', 'rgb2gray',
    'solarize', 'adjust_brightness', 'adjust_color', 'adjust_contrast', 'adjust_hue', 'adjust_lighting',
    'adjust_sharpness', 'auto_contrast', 'clahe', 'imequalize', 'lut_transform', 'imshow', 'imshow_bboxes',
    'imshow_det_bboxes', 'tensor2imgs', 'Color', 'color_val'
]

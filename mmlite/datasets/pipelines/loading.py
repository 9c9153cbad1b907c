"""Loading steps: images, annotations and proposals (mmdet names)."""
from __future__ import annotations

import os.path as osp
import warnings

import numpy as np

from ...core.mask import BitmapMasks, PolygonMasks, polygon_to_bitmap
from ...image import imread
from ..registry import PIPELINES
from .instance_filtering import FilterAnnotations  # noqa: F401


def _check_file_client(file_client_args: dict | None, step: str) -> None:
    if file_client_args is not None and file_client_args.get('backend', 'disk') != 'disk':
        raise ValueError(f'{step}: only local files are supported (file_client_args.backend="disk"), '
                         f'got {file_client_args}')


@PIPELINES.register_module()
class LoadImageFromFile:
    """Read ``img_prefix/img_info['filename']`` into ``results['img']`` (``H x W x 3`` uint8 BGR).

    Args:
        to_float32: Convert to float32. Defaults to False.
        color_type: 'color', 'grayscale' or 'unchanged'. Defaults to 'color'.
        channel_order: 'bgr' or 'rgb'. Defaults to 'bgr'.
        file_client_args: Accepted for mmdet compatibility (local disk only).
    """

    def __init__(self, to_float32: bool = False, color_type: str = 'color', channel_order: str = 'bgr',
                 file_client_args: dict = dict(backend='disk')):  # noqa: B006
        _check_file_client(file_client_args, 'LoadImageFromFile')
        self.to_float32, self.color_type, self.channel_order = to_float32, color_type, channel_order
        self.file_client_args = dict(file_client_args)

    def __call__(self, results: dict) -> dict:
        prefix = results.get('img_prefix')
        name = results['img_info']['filename']
        filename = osp.join(prefix, name) if prefix is not None else name
        img = imread(filename, flag=self.color_type, channel_order=self.channel_order)
        if self.to_float32:
            img = img.astype(np.float32)
        results['filename'] = filename
        results['ori_filename'] = name
        results['img'] = img
        results['img_shape'] = img.shape
        results['ori_shape'] = img.shape
        results['img_fields'] = ['img']
        return results

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(to_float32={self.to_float32}, color_type='{self.color_type}', "
                f"channel_order='{self.channel_order}')")


@PIPELINES.register_module()
class LoadImageFromWebcam(LoadImageFromFile):
    """Take ``results['img']`` as an already loaded array (used by ``inference_detector``)."""

    def __call__(self, results: dict) -> dict:
        img = results['img']
        if self.to_float32:
            img = img.astype(np.float32)
        results['filename'] = None
        results['ori_filename'] = None
        results['img'] = img
        results['img_shape'] = img.shape
        results['ori_shape'] = img.shape
        results['img_fields'] = ['img']
        return results


@PIPELINES.register_module()
class LoadMultiChannelImageFromFiles:
    """Read the list ``img_info['filename']`` (one file per channel, e.g. multispectral bands) and stack
    the images along a last axis into ``results['img']``; sets mmdet's default meta keys (``pad_shape``,
    ``scale_factor`` 1.0, an identity ``img_norm_cfg``)."""

    def __init__(self, to_float32: bool = False, color_type: str = 'unchanged',
                 file_client_args: dict = dict(backend='disk')):  # noqa: B006
        _check_file_client(file_client_args, 'LoadMultiChannelImageFromFiles')
        self.to_float32, self.color_type = to_float32, color_type
        self.file_client_args = dict(file_client_args)

    def __call__(self, results: dict) -> dict:
        names = results['img_info']['filename']
        if not isinstance(names, (list, tuple)):
            raise TypeError(f"LoadMultiChannelImageFromFiles needs img_info['filename'] to be a list of files, one "
                            f'per channel, got {names!r}')
        prefix = results.get('img_prefix')
        filenames = [osp.join(prefix, name) for name in names] if prefix is not None else list(names)
        img = np.stack([imread(name, flag=self.color_type) for name in filenames], axis=-1)
        if self.to_float32:
            img = img.astype(np.float32)
        channels = 1 if img.ndim < 3 else img.shape[2]
        results.update(filename=filenames, ori_filename=names, img=img, img_shape=img.shape, ori_shape=img.shape,
                       pad_shape=img.shape, scale_factor=1.0,
                       img_norm_cfg=dict(mean=np.zeros(channels, dtype=np.float32),
                                         std=np.ones(channels, dtype=np.float32), to_rgb=False))
        return results

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(to_float32={self.to_float32}, color_type='{self.color_type}', "
                f'file_client_args={self.file_client_args})')


@PIPELINES.register_module()
class LoadAnnotations:
    """Copy boxes, labels, masks and segmentation maps from ``results['ann_info']``.

    Args:
        with_bbox, with_label, with_mask, with_seg: What to load.
        poly2mask: Rasterise polygon masks (BitmapMasks) or keep polygons (PolygonMasks).
        denorm_bbox: Boxes are normalised to [0, 1] and must be scaled to pixels.
        file_client_args: Accepted for mmdet compatibility (local disk only).
    """

    def __init__(self, with_bbox: bool = True, with_label: bool = True, with_mask: bool = False,
                 with_seg: bool = False, poly2mask: bool = True, denorm_bbox: bool = False,
                 file_client_args: dict = dict(backend='disk'), normed_bbox: bool | None = None):  # noqa: B006
        _check_file_client(file_client_args, 'LoadAnnotations')
        if normed_bbox is not None:  # mmdet's ssd300_32x8_36e_openimages.py wrote this (mmdet rejected it)
            warnings.warn('LoadAnnotations(normed_bbox=...) is not an mmdet argument; read as denorm_bbox (boxes in '
                          '[0, 1] scaled to pixels). Write denorm_bbox=True in the config.')
            denorm_bbox = denorm_bbox or normed_bbox
        self.with_bbox, self.with_label, self.with_mask, self.with_seg = with_bbox, with_label, with_mask, with_seg
        self.poly2mask, self.denorm_bbox = poly2mask, denorm_bbox

    def _load_bboxes(self, results: dict) -> dict:
        ann_info = results['ann_info']
        bboxes = ann_info['bboxes'].copy()
        if self.denorm_bbox and len(bboxes):
            h, w = results['img_shape'][:2]
            bboxes[:, 0::2] *= w
            bboxes[:, 1::2] *= h
        results['gt_bboxes'] = bboxes
        if ann_info.get('bboxes_ignore', None) is not None:
            results['gt_bboxes_ignore'] = ann_info['bboxes_ignore'].copy()
            results['bbox_fields'].append('gt_bboxes_ignore')
        results['bbox_fields'].append('gt_bboxes')
        return results

    @staticmethod
    def _poly2mask(mask_ann, img_h: int, img_w: int) -> np.ndarray:
        import pycocotools.mask as mask_utils
        if isinstance(mask_ann, list):
            return polygon_to_bitmap(mask_ann, img_h, img_w)
        rle = mask_utils.frPyObjects(mask_ann, img_h, img_w) if isinstance(mask_ann['counts'], list) else mask_ann
        return mask_utils.decode(rle)

    @staticmethod
    def process_polygons(polygons: list) -> list:
        """Keep polygon parts with an even number (>= 6) of coordinates."""
        return [p for p in (np.array(p) for p in polygons) if len(p) % 2 == 0 and len(p) >= 6]

    def _load_masks(self, results: dict) -> dict:
        h, w = results['img_info']['height'], results['img_info']['width']
        gt_masks = results['ann_info']['masks']
        if self.poly2mask:
            masks = BitmapMasks([self._poly2mask(m, h, w) for m in gt_masks], h, w)
        else:
            masks = PolygonMasks([self.process_polygons(polys) for polys in gt_masks], h, w)
        results['gt_masks'] = masks
        results['mask_fields'].append('gt_masks')
        return results

    def _load_semantic_seg(self, results: dict) -> dict:
        if results.get('seg_prefix') is None:
            raise ValueError("LoadAnnotations(with_seg=True) needs the data set's seg_prefix (the folder of the "
                             "semantic maps, e.g. data/coco/stuffthingmaps/train2017/): set seg_prefix in the data "
                             'config, or with_seg=False')
        filename = osp.join(results['seg_prefix'], results['ann_info']['seg_map'])
        results['gt_semantic_seg'] = imread(filename, flag='unchanged').squeeze()
        results['seg_fields'].append('gt_semantic_seg')
        return results

    def _load_boxes_and_labels(self, results: dict) -> dict | None:
        if self.with_bbox:
            results = self._load_bboxes(results)
            if results is None:
                return None
        if self.with_label:
            results['gt_labels'] = results['ann_info']['labels'].copy()
        return results

    def __call__(self, results: dict) -> dict | None:
        results = self._load_boxes_and_labels(results)
        if results is None:
            return None
        if self.with_mask:
            results = self._load_masks(results)
        if self.with_seg:
            results = self._load_semantic_seg(results)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(with_bbox={self.with_bbox}, with_label={self.with_label}, '
                f'with_mask={self.with_mask}, with_seg={self.with_seg}, poly2mask={self.poly2mask})')


@PIPELINES.register_module()
class LoadProposals:
    """Take ``results['proposals']`` (``(n, 4)`` or ``(n, 5)``), keeping at most ``num_max_proposals``."""

    def __init__(self, num_max_proposals: int | None = None):
        self.num_max_proposals = num_max_proposals

    def __call__(self, results: dict) -> dict:
        proposals = results['proposals']
        if proposals.ndim != 2 or proposals.shape[1] not in (4, 5):
            raise ValueError(f'proposals should have shapes (n, 4) or (n, 5), but found {proposals.shape}')
        proposals = proposals[:, :4]
        if self.num_max_proposals is not None:
            proposals = proposals[:self.num_max_proposals]
        if len(proposals) == 0:
            proposals = np.array([[0, 0, 0, 0]], dtype=np.float32)
        results['proposals'] = proposals
        results['bbox_fields'].append('proposals')
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(num_max_proposals={self.num_max_proposals})'


@PIPELINES.register_module()
class LoadPanopticAnnotations(LoadAnnotations):
    """Load a COCO panoptic sample: thing boxes and labels, thing instance masks and a semantic map from
    the PNG ``seg_prefix/ann_info['seg_map']`` (segment ids ``R + 256 G + 256² B``).

    ``gt_semantic_seg`` holds each segment's label (things ``0 .. num_things - 1``, then stuff) and 255
    (ignore) elsewhere; ``gt_masks`` one mask per thing segment, in ``ann_info['masks']`` order (the order
    of ``gt_bboxes``).
    """

    def __init__(self, with_bbox: bool = True, with_label: bool = True, with_mask: bool = True,
                 with_seg: bool = True, file_client_args: dict = dict(backend='disk')):  # noqa: B006
        super().__init__(with_bbox=with_bbox, with_label=with_label, with_mask=with_mask, with_seg=with_seg,
                         poly2mask=True, denorm_bbox=False, file_client_args=file_client_args)

    def _load_masks_and_semantic_segs(self, results: dict) -> dict:
        from ..api_wrappers.panoptic_evaluation import rgb2id
        if results.get('seg_prefix') is None:
            raise ValueError('LoadPanopticAnnotations needs the data set\'s seg_prefix (the folder of the panoptic '
                             "PNGs, e.g. data/coco/annotations/panoptic_train2017/): set seg_prefix in the data "
                             'config')
        filename = osp.join(results['seg_prefix'], results['ann_info']['seg_map'])
        pan = rgb2id(imread(filename, flag='color', channel_order='rgb'))
        h, w = results['img_info']['height'], results['img_info']['width']
        if pan.shape != (h, w):
            raise ValueError(f'{filename} is {pan.shape[1]}x{pan.shape[0]} but its image is {w}x{h} (per the '
                             'annotation file); the panoptic PNG must match its image')
        infos = results['ann_info']['masks']
        if infos and not isinstance(infos[0], dict):
            raise TypeError("LoadPanopticAnnotations reads ann_info['masks'] as panoptic segment infos (dict(id, "
                            f'category, is_thing)), got {type(infos[0]).__name__}: use it with CocoPanopticDataset, '
                            'or LoadAnnotations with an instances data set')
        max_label = max((info['category'] for info in infos), default=0)
        gt_seg = np.full(pan.shape, 255, dtype=np.uint8 if max_label < 255 else np.int32)
        thing_masks = []
        for info in infos:
            mask = pan == info['id']
            gt_seg[mask] = info['category']
            if info.get('is_thing'):
                thing_masks.append(mask.astype(np.uint8))
        if self.with_mask:
            results['gt_masks'] = BitmapMasks(thing_masks, h, w)
            results['mask_fields'].append('gt_masks')
        if self.with_seg:
            results['gt_semantic_seg'] = gt_seg
            results['seg_fields'].append('gt_semantic_seg')
        return results

    def __call__(self, results: dict) -> dict | None:
        results = self._load_boxes_and_labels(results)
        if results is not None and (self.with_mask or self.with_seg):
            results = self._load_masks_and_semantic_segs(results)
        return results

"""Drawing detections and ground truth (mmdet.core.visualization's ``imshow_det_bboxes``,
``imshow_gt_det_bboxes``) on top of mmlite.image's Pillow drawing."""
from __future__ import annotations

import numpy as np

from ...image import imread
from ...image.visualization import imshow_det_bboxes as _draw
from ..evaluation.panoptic_utils import INSTANCE_OFFSET
from .palette import resolve_colors


def _tight_boxes(masks: np.ndarray) -> np.ndarray:
    boxes = np.zeros((len(masks), 4), np.float32)
    for k, mask in enumerate(masks):
        ys, xs = np.nonzero(mask)
        if len(xs):
            boxes[k] = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    return boxes


def imshow_det_bboxes(img, bboxes: np.ndarray | None = None, labels: np.ndarray | None = None, segms=None,
                      class_names=None, score_thr: float = 0, bbox_color='green', text_color='green',
                      mask_color=None, thickness: int = 2, font_size: int = 8, win_name: str = '', show: bool = True,
                      wait_time: float = 0, out_file: str | None = None) -> np.ndarray:
    """Draw boxes (``(n, 4)`` or ``(n, 5)`` with scores), labels and masks on an image (a path or a BGR array),
    with mmdet's defaults; without boxes each mask is labelled at its tight box. Returns the BGR drawing."""
    img = imread(img).copy()
    if labels is None:
        raise ValueError('imshow_det_bboxes needs the labels of the boxes or masks')
    labels = np.asarray(labels)
    if bboxes is None:
        bboxes = _tight_boxes(np.asarray(segms)) if segms is not None else np.zeros((0, 4), np.float32)
    bboxes = np.asarray(bboxes, dtype=np.float32).reshape(-1, np.asarray(bboxes).shape[-1] if len(bboxes) else 4)
    if segms is not None and len(bboxes) < len(labels):  # masks beyond the boxes (stuff): labelled at their boxes
        extra = _tight_boxes(np.asarray(segms)[len(bboxes):])
        if bboxes.shape[1] == 5:
            extra = np.hstack([extra, np.ones((len(extra), 1), np.float32)])
        bboxes = np.concatenate([bboxes, extra])
    colors = [resolve_colors(c, labels.tolist()) for c in (bbox_color, text_color, mask_color)]
    bbox_color, text_color, mask_color = colors
    return _draw(img, np.asarray(bboxes), labels, segms, class_names=class_names, score_thr=score_thr,
                 bbox_color=bbox_color, text_color=text_color, mask_color=mask_color, thickness=thickness,
                 font_size=font_size, win_name=win_name, show=show, wait_time=wait_time, out_file=out_file)


def _result_parts(result, class_names) -> tuple:
    """``(boxes or None, labels, masks or None)`` of a detection result (boxes, ``(boxes, masks)``, Mask Scoring
    R-CNN's ``(boxes, (masks, scores))``) or a panoptic ``dict(pan_results=...)``."""
    if isinstance(result, dict):
        if class_names is None:
            raise ValueError('drawing a panoptic result needs class_names (its VOID label is their count)')
        pan = result['pan_results']
        ids = np.unique(pan)[::-1]
        ids = ids[ids != len(class_names)]
        return None, (ids % INSTANCE_OFFSET).astype(np.int64), pan[None] == ids[:, None, None]
    bbox_result, segm_result = result if isinstance(result, tuple) else (result, None)
    if isinstance(segm_result, tuple):
        segm_result = segm_result[0]
    bboxes = np.vstack(bbox_result) if len(bbox_result) else np.zeros((0, 5), np.float32)
    labels = np.concatenate([np.full(len(b), i, dtype=np.int32) for i, b in enumerate(bbox_result)])
    masks = None
    if segm_result is not None and len(labels):
        import pycocotools.mask as mask_util
        flat = [m for cls in segm_result for m in cls]
        masks = np.stack([mask_util.decode(m) if isinstance(m, dict) else np.asarray(m) for m in flat])
    return bboxes, labels, masks


def _gt_parts(annotation: dict) -> tuple:
    from ..mask import BitmapMasks, PolygonMasks
    if 'gt_bboxes' not in annotation or 'gt_labels' not in annotation:
        raise KeyError('the annotation needs gt_bboxes and gt_labels')
    labels = np.asarray(annotation['gt_labels'])
    masks = annotation.get('gt_masks')
    if isinstance(masks, (BitmapMasks, PolygonMasks)):
        masks = masks.to_ndarray()
    seg = annotation.get('gt_semantic_seg')
    if seg is not None:  # panoptic ground truth: stuff labels of the map (not already things) as masks too
        values, counts = np.unique(np.concatenate((labels, np.unique(seg))), return_counts=True)
        stuff = values[(counts < 2) & (values != 255)]
        stuff = stuff[~np.isin(stuff, labels)]
        labels = np.concatenate((labels, stuff))
        if masks is None:
            masks = np.zeros((len(annotation['gt_labels']), ) + seg.shape, np.uint8)
        masks = np.concatenate((masks, (seg[None] == stuff[:, None, None]).astype(np.uint8)))
    return np.asarray(annotation['gt_bboxes']), labels, masks


def imshow_gt_det_bboxes(img, annotation: dict, result, class_names=None, score_thr: float = 0,
                         gt_bbox_color=(61, 102, 255), gt_text_color=(200, 200, 200), gt_mask_color=(61, 102, 255),
                         det_bbox_color=(241, 101, 72), det_text_color=(200, 200, 200), det_mask_color=(241, 101, 72),
                         thickness: int = 2, font_size: int = 13, win_name: str = '', show: bool = True,
                         wait_time: float = 0, out_file: str | None = None, overlay_gt_pred: bool = True) -> np.ndarray:
    """Draw the ground truth (``gt_bboxes``, ``gt_labels``, optional ``gt_masks`` / ``gt_semantic_seg``) and a
    result on one image (``overlay_gt_pred``) or on two stacked copies (ground truth above)."""
    if not isinstance(result, (tuple, list, dict)):
        raise TypeError(f'Expected tuple or list or dict, but got {type(result)}')
    img = imread(img)
    gt_bboxes, gt_labels, gt_masks = _gt_parts(annotation)
    with_gt = imshow_det_bboxes(img, gt_bboxes, gt_labels, gt_masks, class_names=class_names,
                                bbox_color=gt_bbox_color, text_color=gt_text_color, mask_color=gt_mask_color,
                                thickness=thickness, font_size=font_size, win_name=win_name, show=False)
    bboxes, labels, masks = _result_parts(result, class_names)
    det_args = dict(class_names=class_names, score_thr=score_thr, bbox_color=det_bbox_color,
                    text_color=det_text_color, mask_color=det_mask_color, thickness=thickness, font_size=font_size,
                    win_name=win_name, wait_time=wait_time)
    if overlay_gt_pred:
        return imshow_det_bboxes(with_gt, bboxes, labels, masks, show=show, out_file=out_file, **det_args)
    with_det = imshow_det_bboxes(img, bboxes, labels, masks, show=False, **det_args)
    both = np.concatenate([with_gt, with_det], axis=0)
    return imshow_det_bboxes(both, np.zeros((0, 4)), np.zeros(0, np.int64), show=show, out_file=out_file,
                             win_name=win_name, wait_time=wait_time)

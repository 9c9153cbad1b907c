"""``CopyPaste``: Simple Copy-Paste (Ghiasi et al., 2021), objects of a second image pasted onto this one."""
from __future__ import annotations

import numpy as np

from ...core.mask import BitmapMasks
from ..registry import PIPELINES
from .mix_transforms import _need_mix_results


def _box_masks(bboxes: np.ndarray, img_shape) -> BitmapMasks:
    """One filled-box mask per box (for images annotated with boxes only)."""
    img_h, img_w = img_shape[:2]
    masks = np.zeros((len(bboxes), img_h, img_w), dtype=np.uint8)
    for i, (x1, y1, x2, y2) in enumerate(np.asarray(bboxes).reshape(-1, 4)):
        masks[i, int(y1):int(y2), int(x1):int(x2)] = 1
    return BitmapMasks(masks, img_h, img_w)


@PIPELINES.register_module()
class CopyPaste:
    """Paste a random subset of the other image's objects (``results['mix_results'][0]``, same size: after
    resizing, cropping and padding) onto this image: pixels under the pasted masks are replaced, this image's
    masks lose those pixels, and its objects stay unless both their box moved more than ``bbox_occluded_thr``
    pixels and at most ``mask_occluded_thr`` pixels of their mask remain. Without masks, filled boxes stand in
    (and no masks are returned).

    Args:
        max_num_pasted: At most this many objects pasted (drawn uniformly from 0 to the other image's count).
        bbox_occluded_thr / mask_occluded_thr: Occlusion thresholds (pixels).
        selected: Draw the subset (else paste every object).
    """

    def __init__(self, max_num_pasted: int = 100, bbox_occluded_thr: int = 10, mask_occluded_thr: int = 300,
                 selected: bool = True):
        self.max_num_pasted, self.bbox_occluded_thr = max_num_pasted, bbox_occluded_thr
        self.mask_occluded_thr, self.selected = mask_occluded_thr, selected

    def get_indexes(self, dataset) -> int:
        """A random other image of ``dataset``."""
        return int(np.random.randint(0, len(dataset)))

    def __call__(self, results: dict) -> dict:
        other = _need_mix_results(results, 'CopyPaste', 1)[0]
        by_box = results.get('gt_masks') is None
        results['gt_masks'] = _box_masks(results['gt_bboxes'], results['img'].shape) if by_box else results['gt_masks']
        src = dict(other, gt_masks=other['gt_masks'] if other.get('gt_masks') is not None
                   else _box_masks(other['gt_bboxes'], other['img'].shape))
        if self.selected:
            src = self._select_object(src)
        results = self._copy_paste(results, src)
        if by_box:
            results.pop('gt_masks')
        return results

    def _select_object(self, results: dict) -> dict:
        bboxes = results['gt_bboxes']
        num_pasted = np.random.randint(0, min(bboxes.shape[0] + 1, self.max_num_pasted))
        selected = np.random.choice(bboxes.shape[0], size=num_pasted, replace=False)
        return dict(results, gt_bboxes=bboxes[selected], gt_labels=results['gt_labels'][selected],
                    gt_masks=results['gt_masks'][selected])

    def _copy_paste(self, dst: dict, src: dict) -> dict:
        if len(src['gt_bboxes']) == 0:
            return dst
        if src['img'].shape[:2] != dst['img'].shape[:2]:
            raise ValueError(f'CopyPaste needs images of one size, got {dst["img"].shape[:2]} and '
                             f'{src["img"].shape[:2]}: resize, crop and pad both before it')
        composed = np.any(src['gt_masks'].masks, axis=0).astype(np.int64)
        dst_masks = np.where(composed, 0, dst['gt_masks'].masks)
        updated = BitmapMasks(dst_masks, *dst['img'].shape[:2])
        updated_bboxes = updated.get_bboxes()
        valid = (np.all(np.abs(updated_bboxes - dst['gt_bboxes']) <= self.bbox_occluded_thr, axis=-1)
                 | (updated.masks.sum(axis=(1, 2)) > self.mask_occluded_thr))
        masks = np.concatenate([updated.masks[valid], src['gt_masks'].masks])
        pasted = dst['img'] * (1 - composed[..., None]) + src['img'] * composed[..., None]
        dst['img'] = pasted.astype(dst['img'].dtype)
        dst['gt_bboxes'] = np.concatenate([updated_bboxes[valid], src['gt_bboxes']])
        dst['gt_labels'] = np.concatenate([dst['gt_labels'][valid], src['gt_labels']])
        dst['gt_masks'] = BitmapMasks(masks, masks.shape[1], masks.shape[2])
        return dst

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(max_num_pasted={self.max_num_pasted}, bbox_occluded_thr='
                f'{self.bbox_occluded_thr}, mask_occluded_thr={self.mask_occluded_thr}, selected={self.selected})')

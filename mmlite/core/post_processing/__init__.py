"""Post-processing (mmdet.core.post_processing names)."""
from .bbox_nms import batched_nms, fast_nms, multiclass_nms
from .matrix_nms import mask_matrix_nms
from .merge_augs import (dets_in_first_aug_frame, merge_aug_bboxes, merge_aug_masks, merge_aug_proposals,
                         merge_aug_scores)

__all__ = ['batched_nms', 'multiclass_nms', 'merge_aug_proposals', 'merge_aug_bboxes', 'merge_aug_scores',
           'merge_aug_masks', 'dets_in_first_aug_frame', 'mask_matrix_nms', 'fast_nms']

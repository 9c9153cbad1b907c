"""``mask_target``: fixed-size mask targets of the positive proposals (Mask R-CNN)."""
from __future__ import annotations

import numpy as np
import torch
from torch.nn.modules.utils import _pair


def mask_target_single(pos_proposals: torch.Tensor, pos_assigned_gt_inds: torch.Tensor, gt_masks, cfg) -> torch.Tensor:
    mask_size = _pair(cfg.mask_size)
    if pos_proposals.size(0) == 0:
        return pos_proposals.new_zeros((0, ) + mask_size)
    proposals = pos_proposals.detach().cpu().numpy()
    proposals[:, [0, 2]] = np.clip(proposals[:, [0, 2]], 0, gt_masks.width)
    proposals[:, [1, 3]] = np.clip(proposals[:, [1, 3]], 0, gt_masks.height)
    targets = gt_masks.crop_and_resize(proposals, mask_size, device=pos_proposals.device,
                                       inds=pos_assigned_gt_inds.cpu().numpy(),
                                       binarize=not cfg.get('soft_mask_target', False)).to_ndarray()
    return torch.from_numpy(np.asarray(targets)).float().to(pos_proposals.device)


def mask_target(pos_proposals_list, pos_assigned_gt_inds_list, gt_masks_list, cfg) -> torch.Tensor:
    """Concatenated mask targets of all images."""
    targets = [mask_target_single(p, i, m, cfg)
               for p, i, m in zip(pos_proposals_list, pos_assigned_gt_inds_list, gt_masks_list)]
    return torch.cat(targets) if targets else targets

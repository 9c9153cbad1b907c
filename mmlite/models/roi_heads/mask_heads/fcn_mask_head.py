"""``FCNMaskHead``: per-RoI mask logits (Mask R-CNN) and pasting them back into the image."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.utils import _pair

from ....cnn import ConvModule, build_conv_layer, build_upsample_layer
from ....core.mask import mask_target
from ....ops import CARAFEPack
from ....runner import BaseModule, auto_fp16, force_fp32
from ...builder import HEADS, build_loss

_UPSAMPLE_METHODS = (None, 'deconv', 'nearest', 'bilinear', 'carafe')


@HEADS.register_module()
class FCNMaskHead(BaseModule):
    """``num_convs`` 3x3 ConvModules, an upsample (deconv by default), then 1x1 class logits.

    Args:
        num_convs: Convs before the upsample. Defaults to 4.
        roi_feat_size: Side of the pooled RoI features. Defaults to 14.
        in_channels / conv_out_channels: Channels. Default 256 / 256.
        num_classes: Foreground classes. Defaults to 80.
        class_agnostic: One mask per RoI. Defaults to False.
        upsample_cfg: ``dict(type='deconv'|'nearest'|'bilinear'|'carafe'|None, scale_factor=2)`` (CARAFE with
            ``CARAFEPack``'s arguments).
        loss_mask: Loss config (per-class mask BCE by default).
    """

    def __init__(self, num_convs: int = 4, roi_feat_size=14, in_channels: int = 256, conv_kernel_size: int = 3,
                 conv_out_channels: int = 256, num_classes: int = 80, class_agnostic: bool = False,
                 upsample_cfg=dict(type='deconv', scale_factor=2),  # noqa: B006
                 conv_cfg=None, norm_cfg=None, predictor_cfg=dict(type='Conv'),  # noqa: B006
                 loss_mask=dict(type='CrossEntropyLoss', use_mask=True, loss_weight=1.0),  # noqa: B006
                 init_cfg=None):
        if init_cfg is not None:
            raise ValueError('FCNMaskHead initialises its own weights; init_cfg is not allowed')
        super().__init__(init_cfg)
        self.upsample_cfg = dict(upsample_cfg)
        self.upsample_method = self.upsample_cfg.get('type')
        if self.upsample_method not in _UPSAMPLE_METHODS:
            raise ValueError(f'FCNMaskHead.upsample_cfg.type={self.upsample_method!r}; '
                             f'expected one of {_UPSAMPLE_METHODS}')
        self.num_convs, self.roi_feat_size = num_convs, _pair(roi_feat_size)
        self.in_channels, self.conv_kernel_size = in_channels, conv_kernel_size
        self.conv_out_channels, self.num_classes = conv_out_channels, num_classes
        self.class_agnostic, self.scale_factor = class_agnostic, self.upsample_cfg.pop('scale_factor', None)
        self.conv_cfg, self.norm_cfg, self.predictor_cfg = conv_cfg, norm_cfg, predictor_cfg
        self.fp16_enabled = False
        self.loss_mask = build_loss(loss_mask)
        self.convs = nn.ModuleList()
        for i in range(num_convs):
            self.convs.append(ConvModule(in_channels if i == 0 else conv_out_channels, conv_out_channels,
                                         conv_kernel_size, padding=(conv_kernel_size - 1) // 2,
                                         conv_cfg=conv_cfg, norm_cfg=norm_cfg))
        upsample_in = conv_out_channels if num_convs > 0 else in_channels
        self.upsample = self._build_upsample(upsample_in)
        logits_in = conv_out_channels if self.upsample_method == 'deconv' else upsample_in
        self.conv_logits = build_conv_layer(predictor_cfg, logits_in, 1 if class_agnostic else num_classes, 1)
        self.relu = nn.ReLU(inplace=True)
        self.debug_imgs = None

    def _build_upsample(self, channels: int):
        if self.upsample_method is None:
            return None
        cfg = dict(self.upsample_cfg)
        if self.upsample_method == 'deconv':
            cfg.update(in_channels=channels, out_channels=self.conv_out_channels, kernel_size=self.scale_factor,
                       stride=self.scale_factor)
        elif self.upsample_method == 'carafe':
            cfg.update(channels=channels, scale_factor=self.scale_factor)
        else:
            cfg.update(scale_factor=self.scale_factor, align_corners=None if self.upsample_method == 'nearest'
                       else False)
        return build_upsample_layer(cfg)

    def init_weights(self) -> None:
        super().init_weights()
        for module in (self.upsample, self.conv_logits):
            if isinstance(module, CARAFEPack):
                module.init_weights()
            if module is None or not hasattr(module, 'weight'):
                continue
            nn.init.kaiming_normal_(module.weight, mode='fan_out', nonlinearity='relu')
            nn.init.constant_(module.bias, 0)

    @auto_fp16()
    def forward(self, x):
        for conv in self.convs:
            x = conv(x)
        return self.forward_logits(x)

    def forward_logits(self, x):
        """The upsample and the class logits on the features after the convs."""
        if self.upsample is not None:
            x = self.upsample(x)
            if self.upsample_method == 'deconv':
                x = self.relu(x)
        return self.conv_logits(x)

    def get_targets(self, sampling_results, gt_masks, rcnn_train_cfg) -> torch.Tensor:
        """``mask_size`` targets of each positive RoI, cropped from its ground-truth mask."""
        return mask_target([res.pos_bboxes for res in sampling_results],
                           [res.pos_assigned_gt_inds for res in sampling_results], gt_masks, rcnn_train_cfg)

    @force_fp32(apply_to=('mask_pred', ))
    def loss(self, mask_pred, mask_targets, labels) -> dict:
        if mask_pred.size(0) == 0:
            return dict(loss_mask=mask_pred.sum())
        if self.class_agnostic:
            return dict(loss_mask=self.loss_mask(mask_pred, mask_targets, torch.zeros_like(labels)))
        return dict(loss_mask=self.loss_mask(mask_pred, mask_targets, labels))

    def get_seg_masks(self, mask_pred, det_bboxes, det_labels, rcnn_test_cfg, ori_shape, scale_factor,
                      rescale: bool) -> list:
        """Per class, the binary ``(h, w)`` masks of that class's detections.

        ``det_bboxes`` are in the network input's frame; with ``rescale`` the masks are pasted at
        ``ori_shape`` (boxes divided by ``scale_factor``), otherwise at the rescaled size.
        """
        mask_pred = mask_pred.sigmoid() if isinstance(mask_pred, torch.Tensor) else det_bboxes.new_tensor(mask_pred)
        cls_segms = [[] for _ in range(self.num_classes)]
        bboxes, labels = det_bboxes[:, :4], det_labels
        scale_factor = _as_scale_tensor(scale_factor)
        if rescale:
            img_h, img_w = ori_shape[:2]
            bboxes = bboxes / scale_factor.to(bboxes)
        else:
            img_h = int(np.round(ori_shape[0] * scale_factor[1].item()))
            img_w = int(np.round(ori_shape[1] * scale_factor[0].item()))
        num = len(mask_pred)
        if num == 0:
            return cls_segms
        if not self.class_agnostic:
            mask_pred = mask_pred[torch.arange(num, device=mask_pred.device), labels][:, None]
        threshold = rcnn_test_cfg.mask_thr_binary
        masks = paste_masks_in_image(mask_pred, bboxes, img_h, img_w, threshold)
        masks_np = masks.cpu().numpy()
        for i, label in enumerate(labels.tolist()):
            cls_segms[label].append(masks_np[i])
        return cls_segms


def _as_scale_tensor(scale_factor) -> torch.Tensor:
    if isinstance(scale_factor, torch.Tensor):
        return scale_factor
    if isinstance(scale_factor, float):
        return torch.tensor([scale_factor] * 4, dtype=torch.float32)
    return torch.tensor(np.asarray(scale_factor, dtype=np.float32))


_GPU_MEM_LIMIT = 1024**3  # bytes of float samples per pasting chunk on accelerators


def paste_masks_in_image(masks: torch.Tensor, boxes: torch.Tensor, img_h: int, img_w: int,
                         threshold: float = 0.5) -> torch.Tensor:
    """Resample ``(n, 1, m, m)`` mask probabilities into their boxes of an ``(img_h, img_w)`` image.

    Returns ``(n, img_h, img_w)`` booleans (``threshold >= 0``) or uint8 probabilities x 255. On CPU
    each mask is sampled only over its box's window; elsewhere in memory-bounded chunks.
    """
    dtype = torch.bool if threshold >= 0 else torch.uint8
    out = torch.zeros(len(masks), img_h, img_w, device=masks.device, dtype=dtype)
    if masks.device.type == 'cpu':
        for i, window in enumerate(_box_windows(boxes, img_h, img_w)):
            x0, y0, x1, y1 = window
            if x1 > x0 and y1 > y0:
                out[i, y0:y1, x0:x1] = _binarize(_sample_masks(masks[i:i + 1], boxes[i:i + 1], window)[0], threshold)
        return out
    num_chunks = max(1, min(len(masks), int(np.ceil(len(masks) * img_h * img_w * 4 / _GPU_MEM_LIMIT))))
    for inds in torch.chunk(torch.arange(len(masks), device=masks.device), num_chunks):
        out[inds] = _binarize(_sample_masks(masks[inds], boxes[inds], (0, 0, img_w, img_h)), threshold)
    return out


def _box_windows(boxes: torch.Tensor, img_h: int, img_w: int) -> list:
    """Integer ``(x0, y0, x1, y1)`` windows one pixel larger than each box, inside the image."""
    lo = (boxes[:, :2].floor() - 1).clamp(min=0).int().tolist()
    hi_x = (boxes[:, 2].ceil() + 1).clamp(max=img_w).int().tolist()
    hi_y = (boxes[:, 3].ceil() + 1).clamp(max=img_h).int().tolist()
    return [(x0, y0, x1, y1) for (x0, y0), x1, y1 in zip(lo, hi_x, hi_y)]


def _binarize(probs: torch.Tensor, threshold: float) -> torch.Tensor:
    return probs >= threshold if threshold >= 0 else (probs * 255).to(torch.uint8)


def _sample_masks(masks: torch.Tensor, boxes: torch.Tensor, window: tuple) -> torch.Tensor:
    """Bilinear samples of each mask at the pixel centres of ``window`` (zeros outside its box)."""
    x0, y0, x1, y1 = window
    bx0, by0, bx1, by1 = boxes.float().split(1, dim=1)
    ys = torch.arange(y0, y1, device=masks.device, dtype=torch.float32) + 0.5
    xs = torch.arange(x0, x1, device=masks.device, dtype=torch.float32) + 0.5
    # pixel centres in each box's normalised [-1, 1] frame; a degenerate box samples its centre
    gy = torch.nan_to_num((ys[None] - by0) / (by1 - by0) * 2 - 1, nan=0., posinf=0., neginf=0.)
    gx = torch.nan_to_num((xs[None] - bx0) / (bx1 - bx0) * 2 - 1, nan=0., posinf=0., neginf=0.)
    num = masks.shape[0]
    grid = torch.stack([gx[:, None, :].expand(num, len(ys), len(xs)), gy[:, :, None].expand(num, len(ys), len(xs))],
                       dim=3)
    return F.grid_sample(masks.float(), grid, align_corners=False)[:, 0]

# Quickstart: FCOS (anchor-free) trained from scratch on the embedded toy data set (generated on first
# use under data/toy_coco/, no download) on a 2-core CPU.
#
#   python tools/train.py configs/quickstart/fcos_r18_fpn_toy.py
#
# The model is mmdet 2.x's improved FCOS (configs/fcos/fcos_center-normbbox-centeronreg-giou_*.py:
# centre sampling, stride-normalised distances, centerness on the regression tower, GIoU loss), shrunk
# like retinanet_r18_fpn_toy.py: ResNet-18 at 1/4 width with BatchNorm trained from scratch (pytorch
# style instead of caffe), a 64-channel FPN (P3-P7) and a two-conv GroupNorm head. Measured on 2 CPU
# cores: 5m46s, COCO bbox mAP 0.618 (0.223 after 8 epochs, 0.476 after 16).
_base_ = ['../_base_/datasets/toy_coco_detection.py', '../_base_/default_runtime.py']

model = dict(
    type='FCOS',
    backbone=dict(
        type='ResNet',
        depth=18,
        base_channels=16,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=None),
    neck=dict(
        type='FPN',
        in_channels=[16, 32, 64, 128],
        out_channels=64,
        start_level=1,
        add_extra_convs='on_output',
        num_outs=5,
        relu_before_extra_convs=True),
    bbox_head=dict(
        type='FCOSHead',
        num_classes=3,
        in_channels=64,
        stacked_convs=2,
        feat_channels=64,
        strides=[8, 16, 32, 64, 128],
        norm_cfg=dict(type='GN', num_groups=16, requires_grad=True),
        norm_on_bbox=True,
        centerness_on_reg=True,
        center_sampling=True,
        conv_bias=True,
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=1.0),
        loss_centerness=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)),
    test_cfg=dict(nms_pre=1000, min_bbox_size=0, score_thr=0.05, nms=dict(type='nms', iou_threshold=0.6),
                  max_per_img=100))

optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001,
                 paramwise_cfg=dict(bias_lr_mult=2., bias_decay_mult=0.))
optimizer_config = dict(grad_clip=dict(max_norm=10, norm_type=2))
lr_config = dict(policy='step', warmup='linear', warmup_iters=200, warmup_ratio=0.01, step=[18, 22])
runner = dict(type='EpochBasedRunner', max_epochs=24)
evaluation = dict(interval=8, metric='bbox', save_best='auto')
checkpoint_config = dict(interval=8, max_keep_ckpts=2)
log_config = dict(interval=25, hooks=[dict(type='TextLoggerHook')])

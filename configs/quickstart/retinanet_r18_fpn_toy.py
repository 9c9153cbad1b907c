# Quickstart: RetinaNet trained from scratch on the embedded toy data set (generated on first use
# under data/toy_coco/, no download) in minutes on a 2-core CPU.
#
#   python tools/train.py configs/quickstart/retinanet_r18_fpn_toy.py
#
# It is the mmdet 2.x RetinaNet config (configs/_base_/models/retinanet_r50_fpn.py), shrunk:
# ResNet-18 at 1/4 width with BatchNorm trained from scratch, a 64-channel FPN and head, images at
# their native ~150 px. Measured on 2 CPU cores: 271 s, bbox mAP 0.585 (0.177 after 8 epochs,
# 0.438 after 16).
_base_ = [
    '../_base_/models/retinanet_r50_fpn.py', '../_base_/datasets/toy_coco_detection.py',
    '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(depth=18, base_channels=16, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64),
    bbox_head=dict(num_classes=3, in_channels=64, feat_channels=64, stacked_convs=2))

optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=dict(max_norm=10, norm_type=2))
lr_config = dict(policy='step', warmup='linear', warmup_iters=200, warmup_ratio=0.01, step=[18, 22])
runner = dict(type='EpochBasedRunner', max_epochs=24)
evaluation = dict(interval=8, metric='bbox', save_best='auto')
checkpoint_config = dict(interval=8, max_keep_ckpts=2)
log_config = dict(interval=25, hooks=[dict(type='TextLoggerHook')])

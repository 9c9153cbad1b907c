# Quickstart: Faster R-CNN trained from scratch on the embedded toy data set (generated on first
# use under data/toy_coco/, no download) in minutes on a 2-core CPU.
#
#   python tools/train.py configs/quickstart/faster_rcnn_r18_fpn_toy.py
#
# It is the mmdet 2.x Faster R-CNN config (configs/_base_/models/faster_rcnn_r50_fpn.py), shrunk:
# ResNet-18 at 1/4 width with BatchNorm trained from scratch, a 64-channel FPN, fewer proposals and
# images at their native ~150 px. Measured on 2 CPU cores: ~5.5 minutes, COCO bbox mAP 0.68.
_base_ = ['../_base_/models/faster_rcnn_r50_fpn.py', '../_base_/default_runtime.py']

model = dict(
    backbone=dict(depth=18, base_channels=16, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64),
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(
        bbox_roi_extractor=dict(roi_layer=dict(sampling_ratio=2), out_channels=64),
        bbox_head=dict(in_channels=64, fc_out_channels=256, num_classes=3)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=300),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))

dataset_type = 'ToyCocoDataset'
data_root = 'data/toy_coco/'
img_norm_cfg = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', img_scale=(176, 144), keep_ratio=True),
    dict(type='RandomFlip', flip_ratio=0.5),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='Pad', size_divisor=32),
    dict(type='DefaultFormatBundle'),
    dict(type='Collect', keys=['img', 'gt_bboxes', 'gt_labels']),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiScaleFlipAug',
        img_scale=(176, 144),
        flip=False,
        transforms=[
            dict(type='Resize', keep_ratio=True),
            dict(type='RandomFlip'),
            dict(type='Normalize', **img_norm_cfg),
            dict(type='Pad', size_divisor=32),
            dict(type='ImageToTensor', keys=['img']),
            dict(type='Collect', keys=['img']),
        ])
]
data = dict(
    samples_per_gpu=4,
    workers_per_gpu=1,
    train=dict(
        type=dataset_type,
        ann_file=data_root + 'annotations/instances_train.json',
        img_prefix=data_root + 'train/',
        pipeline=train_pipeline),
    val=dict(
        type=dataset_type,
        ann_file=data_root + 'annotations/instances_val.json',
        img_prefix=data_root + 'val/',
        pipeline=test_pipeline),
    test=dict(
        type=dataset_type,
        ann_file=data_root + 'annotations/instances_val.json',
        img_prefix=data_root + 'val/',
        pipeline=test_pipeline))

optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=dict(max_norm=10, norm_type=2))
lr_config = dict(policy='step', warmup='linear', warmup_iters=200, warmup_ratio=0.01, step=[12, 15])
runner = dict(type='EpochBasedRunner', max_epochs=16)
evaluation = dict(interval=8, metric='bbox', save_best='auto')
checkpoint_config = dict(interval=8, max_keep_ckpts=2)
log_config = dict(interval=25, hooks=[dict(type='TextLoggerHook')])

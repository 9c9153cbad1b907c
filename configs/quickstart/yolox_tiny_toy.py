# Quickstart: YOLOX trained from scratch on the embedded toy data set (generated on first use under
# data/toy_coco/, no download) on a 2-core CPU.
#
#   python tools/train.py configs/quickstart/yolox_tiny_toy.py
#
# mmdet 2.x's YOLOX recipe (configs/yolox/yolox_tiny_8x8_300e_coco.py) shrunk: width x0.25, 160 px inputs (128-192
# px in training), Mosaic + RandomAffine + HSV jitter through MultiImageMixDataset, switched off with the L1 loss
# on for the last 3 of 12 epochs, the 'YOLOX' LR policy, SyncNormHook and the EMA of the weights. No Normalize:
# YOLOX takes raw BGR pixels.
# Measured on 2 CPU cores: COCO bbox mAP 0.091 after 4 epochs, 0.172 after 8, then (no mosaic, L1 loss) 0.277,
# 0.276, 0.300 and 0.331 after 12; 0.45-0.7 s/iteration, 10 min in all.
_base_ = '../_base_/default_runtime.py'

img_scale = (160, 160)  # (h, w)

model = dict(
    type='YOLOX',
    input_size=img_scale,
    random_size_range=(4, 6),  # x32
    random_size_interval=10,
    backbone=dict(type='CSPDarknet', deepen_factor=0.33, widen_factor=0.25),
    neck=dict(type='YOLOXPAFPN', in_channels=[64, 128, 256], out_channels=64, num_csp_blocks=1),
    bbox_head=dict(type='YOLOXHead', num_classes=3, in_channels=64, feat_channels=64),
    train_cfg=dict(assigner=dict(type='SimOTAAssigner', center_radius=2.5)),
    test_cfg=dict(score_thr=0.01, nms=dict(type='nms', iou_threshold=0.65)))

dataset_type = 'ToyCocoDataset'
data_root = 'data/toy_coco/'
train_pipeline = [
    dict(type='Mosaic', img_scale=img_scale, pad_val=114.0),
    dict(type='RandomAffine', scaling_ratio_range=(0.5, 1.5), border=(-img_scale[0] // 2, -img_scale[1] // 2)),
    dict(type='YOLOXHSVRandomAug'),
    dict(type='RandomFlip', flip_ratio=0.5),
    dict(type='Resize', img_scale=img_scale, keep_ratio=True),
    dict(type='Pad', pad_to_square=True, pad_val=dict(img=(114.0, 114.0, 114.0))),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1, 1), keep_empty=False),
    dict(type='DefaultFormatBundle'),
    dict(type='Collect', keys=['img', 'gt_bboxes', 'gt_labels'])
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiScaleFlipAug',
        img_scale=img_scale,
        flip=False,
        transforms=[
            dict(type='Resize', keep_ratio=True),
            dict(type='RandomFlip'),
            dict(type='Pad', pad_to_square=True, pad_val=dict(img=(114.0, 114.0, 114.0))),
            dict(type='DefaultFormatBundle'),
            dict(type='Collect', keys=['img'])
        ])
]
data = dict(
    samples_per_gpu=8,
    workers_per_gpu=1,
    persistent_workers=True,
    train=dict(
        type='MultiImageMixDataset',
        dataset=dict(
            type=dataset_type,
            ann_file=data_root + 'annotations/instances_train.json',
            img_prefix=data_root + 'train/',
            pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True)],
            filter_empty_gt=False),
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

optimizer = dict(
    type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True,
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))
optimizer_config = dict(grad_clip=None)

max_epochs = 12
num_last_epochs = 3
lr_config = dict(
    policy='YOLOX',
    warmup='exp',
    by_epoch=False,
    warmup_by_epoch=True,
    warmup_ratio=1,
    warmup_iters=1,  # epoch
    num_last_epochs=num_last_epochs,
    min_lr_ratio=0.05)
runner = dict(type='EpochBasedRunner', max_epochs=max_epochs)

custom_hooks = [
    dict(type='YOLOXModeSwitchHook', num_last_epochs=num_last_epochs, priority=48),
    dict(type='SyncNormHook', num_last_epochs=num_last_epochs, interval=4, priority=48),
    dict(type='ExpMomentumEMAHook', resume_from=None, momentum=0.0001, priority=49)
]
checkpoint_config = dict(interval=4)
evaluation = dict(
    save_best='auto', interval=4, dynamic_intervals=[(max_epochs - num_last_epochs, 1)], metric='bbox')
log_config = dict(interval=10, hooks=[dict(type='TextLoggerHook')])

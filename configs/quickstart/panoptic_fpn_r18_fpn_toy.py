# Quickstart: Panoptic FPN (Mask R-CNN plus a semantic branch, fused into one panoptic map per image) trained
# from scratch on the embedded toy data set in COCO panoptic format, evaluated with PQ.
#
#   python tools/train.py configs/quickstart/panoptic_fpn_r18_fpn_toy.py
#
# configs/panoptic_fpn/panoptic_fpn_r50_fpn_1x_coco.py shrunk like faster_rcnn_r18_fpn_toy.py (ResNet-18 at
# 1/4 width, 64-channel FPN and heads). The toy set's shapes are the 3 thing classes and everything else is
# one stuff class ("background"); its panoptic PNGs and JSON are generated next to it on first use, under
# data/toy_coco/annotations/panoptic_{train,val}/. 16 epochs. Measured on 2 CPU cores: PQ 84.9 (things 80.8,
# stuff 97.1; 77.3 after 8 epochs), 27m40s while sharing the CPU with other work.
_base_ = './faster_rcnn_r18_fpn_toy.py'

model = dict(
    type='PanopticFPN',
    roi_head=dict(
        mask_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=2),
            out_channels=64,
            featmap_strides=[4, 8, 16, 32]),
        mask_head=dict(
            type='FCNMaskHead',
            num_convs=2,
            in_channels=64,
            conv_out_channels=64,
            num_classes=3,
            loss_mask=dict(type='CrossEntropyLoss', use_mask=True, loss_weight=1.0))),
    semantic_head=dict(
        type='PanopticFPNHead',
        num_things_classes=3,
        num_stuff_classes=1,
        in_channels=64,
        inner_channels=32,
        start_level=0,
        end_level=4,
        norm_cfg=dict(type='GN', num_groups=8, requires_grad=True),
        conv_cfg=None,
        loss_seg=dict(type='CrossEntropyLoss', ignore_index=255, loss_weight=0.5)),
    panoptic_fusion_head=dict(type='HeuristicFusionHead', num_things_classes=3, num_stuff_classes=1),
    train_cfg=dict(rcnn=dict(mask_size=28)),
    test_cfg=dict(
        rcnn=dict(mask_thr_binary=0.5),
        panoptic=dict(
            score_thr=0.5,
            max_per_img=100,
            mask_thr_binary=0.5,
            mask_overlap=0.5,
            nms=dict(type='nms', iou_threshold=0.5, class_agnostic=True),
            stuff_area_limit=64)))

dataset_type = 'ToyCocoPanopticDataset'
data_root = 'data/toy_coco/'
img_norm_cfg = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadPanopticAnnotations', with_bbox=True, with_mask=True, with_seg=True),
    dict(type='Resize', img_scale=(176, 144), keep_ratio=True),
    dict(type='RandomFlip', flip_ratio=0.5),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='Pad', size_divisor=32),
    dict(type='SegRescale', scale_factor=1 / 4),
    dict(type='DefaultFormatBundle'),
    dict(type='Collect', keys=['img', 'gt_bboxes', 'gt_labels', 'gt_masks', 'gt_semantic_seg']),
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
    train=dict(
        type=dataset_type,
        ann_file=data_root + 'annotations/panoptic_train.json',
        img_prefix=data_root + 'train/',
        seg_prefix=data_root + 'annotations/panoptic_train/',
        pipeline=train_pipeline),
    val=dict(
        type=dataset_type,
        ann_file=data_root + 'annotations/panoptic_val.json',
        img_prefix=data_root + 'val/',
        seg_prefix=data_root + 'annotations/panoptic_val/',
        pipeline=test_pipeline),
    test=dict(
        type=dataset_type,
        ann_file=data_root + 'annotations/panoptic_val.json',
        img_prefix=data_root + 'val/',
        seg_prefix=data_root + 'annotations/panoptic_val/',
        pipeline=test_pipeline))
evaluation = dict(interval=8, metric='PQ', save_best='PQ', rule='greater')

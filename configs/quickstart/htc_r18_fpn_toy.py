# Quickstart: Hybrid Task Cascade (boxes, instance masks and a semantic segmentation branch) trained from
# scratch on the embedded toy data set, evaluated on boxes and masks.
#
#   python tools/train.py configs/quickstart/htc_r18_fpn_toy.py
#
# configs/htc/htc_r50_fpn_1x_coco.py shrunk like cascade_rcnn_r18_fpn_toy.py (ResNet-18 at 1/4 width,
# 64-channel FPN and heads, 3 classes). The semantic branch trains on the toy set's per-pixel class maps
# (generated next to it under data/toy_coco/stuffthingmaps/: the 3 shape classes, 3 for background).
# The semantic feature is fused into the mask branch only: pooling it for every sampled box RoI of every
# stage (14x14 bins, as the COCO config does) would take half of each CPU iteration here. 12 epochs.
# Measured on 2 CPU cores: bbox mAP 0.750, segm mAP 0.726 (0.552 / 0.527 after 6 epochs), 39m52s while
# sharing the CPU with the test suite.
_base_ = './cascade_rcnn_r18_fpn_toy.py'

model = dict(
    type='HybridTaskCascade',
    roi_head=dict(
        type='HybridTaskCascadeRoIHead',
        interleaved=True,
        mask_info_flow=True,
        semantic_fusion=('mask', ),
        mask_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=2),
            out_channels=64,
            featmap_strides=[4, 8, 16, 32]),
        mask_head=[
            dict(
                type='HTCMaskHead',
                with_conv_res=stage > 0,
                num_convs=2,
                in_channels=64,
                conv_out_channels=64,
                num_classes=3,
                loss_mask=dict(type='CrossEntropyLoss', use_mask=True, loss_weight=1.0)) for stage in range(3)
        ],
        semantic_roi_extractor=dict(  # one sample per bin: the stride-8 map is coarse already
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=1),
            out_channels=64,
            featmap_strides=[8]),
        semantic_head=dict(
            type='FusedSemanticHead',
            num_ins=5,
            fusion_level=1,
            num_convs=2,
            in_channels=64,
            conv_out_channels=64,
            num_classes=4,
            loss_seg=dict(type='CrossEntropyLoss', ignore_index=255, loss_weight=0.2))),
    train_cfg=dict(rcnn=[  # a list replaces the base's list: the cascade stages again, with mask targets
        dict(
            assigner=dict(type='MaxIoUAssigner', pos_iou_thr=iou, neg_iou_thr=iou, min_pos_iou=iou,
                          match_low_quality=False, ignore_iof_thr=-1),
            sampler=dict(type='RandomSampler', num=64, pos_fraction=0.25, neg_pos_ub=-1, add_gt_as_proposals=True),
            mask_size=28,
            pos_weight=-1,
            debug=False) for iou in (0.5, 0.6, 0.7)
    ]),
    test_cfg=dict(rcnn=dict(mask_thr_binary=0.5)))

img_norm_cfg = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True, with_seg=True),
    dict(type='Resize', img_scale=(176, 144), keep_ratio=True),
    dict(type='RandomFlip', flip_ratio=0.5),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='Pad', size_divisor=32),
    dict(type='SegRescale', scale_factor=1 / 8),
    dict(type='DefaultFormatBundle'),
    dict(type='Collect', keys=['img', 'gt_bboxes', 'gt_labels', 'gt_masks', 'gt_semantic_seg']),
]
data = dict(train=dict(seg_prefix='data/toy_coco/stuffthingmaps/train/', pipeline=train_pipeline))
lr_config = dict(step=[8, 11])
runner = dict(type='EpochBasedRunner', max_epochs=12)
evaluation = dict(interval=6, metric=['bbox', 'segm'], save_best='auto')
checkpoint_config = dict(interval=6, max_keep_ckpts=2)

# Quickstart: Cascade R-CNN trained from scratch on the embedded toy data set (generated on first
# use under data/toy_coco/, no download) on a 2-core CPU.
#
#   python tools/train.py configs/quickstart/cascade_rcnn_r18_fpn_toy.py
#
# It is the mmdet 2.x Cascade R-CNN config (configs/_base_/models/cascade_rcnn_r50_fpn.py) shrunk like
# faster_rcnn_r18_fpn_toy.py: ResNet-18 at 1/4 width trained from scratch, a 64-channel FPN, three
# 256-wide box heads, fewer proposals and sampled RoIs, images at their native ~150 px. Measured on
# 2 CPU cores: ~10 minutes, COCO bbox mAP 0.80 (Faster R-CNN's quickstart: 0.68), mAP@0.75 0.91.
_base_ = [
    '../_base_/models/cascade_rcnn_r50_fpn.py', '../_base_/datasets/toy_coco_detection.py',
    '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(depth=18, base_channels=16, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64),
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(
        bbox_roi_extractor=dict(roi_layer=dict(sampling_ratio=2), out_channels=64),
        bbox_head=[
            dict(
                type='Shared2FCBBoxHead',
                in_channels=64,
                fc_out_channels=256,
                roi_feat_size=7,
                num_classes=3,
                bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0., 0., 0., 0.], target_stds=stds),
                reg_class_agnostic=True,
                loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
                loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))
            for stds in ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1], [0.033, 0.033, 0.067, 0.067])
        ]),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=300),
        rcnn=[
            dict(
                assigner=dict(type='MaxIoUAssigner', pos_iou_thr=iou, neg_iou_thr=iou, min_pos_iou=iou,
                              match_low_quality=False, ignore_iof_thr=-1),
                sampler=dict(type='RandomSampler', num=64, pos_fraction=0.25, neg_pos_ub=-1,
                             add_gt_as_proposals=True),
                pos_weight=-1,
                debug=False) for iou in (0.5, 0.6, 0.7)
        ]),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))

optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=dict(max_norm=10, norm_type=2))
lr_config = dict(policy='step', warmup='linear', warmup_iters=200, warmup_ratio=0.01, step=[12, 15])
runner = dict(type='EpochBasedRunner', max_epochs=16)
evaluation = dict(interval=8, metric='bbox', save_best='auto')
checkpoint_config = dict(interval=8, max_keep_ckpts=2)
log_config = dict(interval=25, hooks=[dict(type='TextLoggerHook')])

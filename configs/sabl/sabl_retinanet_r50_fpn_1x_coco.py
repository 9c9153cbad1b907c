# SABL RetinaNet, ResNet-50 + FPN, 1x (mmdet 2.x layout): side-aware boundary localisation: one square anchor
# per location; each box side is classified into one of 7 buckets (of the anchor scaled x3), then refined by
# an offset within it; detections are rescored by the bucket confidence
_base_ = [
    '../_base_/models/retinanet_r50_fpn.py', '../_base_/datasets/coco_detection.py',
    '../_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]
model = dict(
    bbox_head=dict(
        _delete_=True,
        type='SABLRetinaHead',
        num_classes=80,
        in_channels=256,
        stacked_convs=4,
        feat_channels=256,
        approx_anchor_generator=dict(
            type='AnchorGenerator',
            octave_base_scale=4,
            scales_per_octave=3,
            ratios=[0.5, 1.0, 2.0],
            strides=[8, 16, 32, 64, 128]),
        square_anchor_generator=dict(
            type='AnchorGenerator', ratios=[1.0], scales=[4], strides=[8, 16, 32, 64, 128]),
        bbox_coder=dict(type='BucketingBBoxCoder', num_buckets=14, scale_factor=3.0),
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox_cls=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.5),
        loss_bbox_reg=dict(type='SmoothL1Loss', beta=1.0 / 9.0, loss_weight=1.5)),
    train_cfg=dict(
        assigner=dict(
            type='ApproxMaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4, min_pos_iou=0.0, ignore_iof_thr=-1),
        allowed_border=-1,
        pos_weight=-1,
        debug=False))
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001)

# Quickstart: ATSS trained from scratch on the embedded toy data set (generated on first use under
# data/toy_coco/, no download) on a 2-core CPU.
#
#   python tools/train.py configs/quickstart/atss_r18_fpn_toy.py
#
# mmdet 2.x's ATSS config (configs/atss/atss_r50_fpn_1x_coco.py) shrunk like fcos_r18_fpn_toy.py, whose
# backbone, neck, schedule and data it shares: ResNet-18 at 1/4 width trained from scratch, a 64-channel
# FPN (P3-P7) and a two-conv GroupNorm head. Measured on 2 CPU cores: 4m40s, COCO bbox mAP 0.643 (0.340
# after 8 epochs, 0.574 after 16).
_base_ = './fcos_r18_fpn_toy.py'

model = dict(
    type='ATSS',
    bbox_head=dict(
        _delete_=True,
        type='ATSSHead',
        num_classes=3,
        in_channels=64,
        stacked_convs=2,
        feat_channels=64,
        norm_cfg=dict(type='GN', num_groups=16, requires_grad=True),
        anchor_generator=dict(
            type='AnchorGenerator', ratios=[1.0], octave_base_scale=8, scales_per_octave=1,
            strides=[8, 16, 32, 64, 128]),
        bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0, .0, .0, .0], target_stds=[0.1, 0.1, 0.2, 0.2]),
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=2.0),
        loss_centerness=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)),
    train_cfg=dict(assigner=dict(type='ATSSAssigner', topk=9), allowed_border=-1, pos_weight=-1, debug=False))
optimizer = dict(paramwise_cfg=dict(_delete_=True))

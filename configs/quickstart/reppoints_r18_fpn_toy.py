# Quickstart: RepPoints trained from scratch on the embedded toy data set (generated on first use under
# data/toy_coco/, no download) on a 2-core CPU.
#
#   python tools/train.py configs/quickstart/reppoints_r18_fpn_toy.py
#
# mmdet 2.x's RepPoints config with GroupNorm (configs/reppoints/reppoints_moment_r50_fpn_gn-neck+head_1x_coco.py)
# shrunk like fcos_r18_fpn_toy.py, whose backbone, neck, schedule and data it shares: ResNet-18 at 1/4 width
# trained from scratch, a 64-channel FPN (P3-P7) and a two-conv GroupNorm head with its two deformable convs.
# Measured on 2 CPU cores: bbox mAP 0.401 after 12 epochs (0.250 after 6); 0.6-0.7 s/iteration alone, 29 min in
# all while sharing the CPU with test runs (about 14 min on an idle machine).
_base_ = './fcos_r18_fpn_toy.py'

model = dict(
    type='RepPointsDetector',
    bbox_head=dict(
        _delete_=True,
        type='RepPointsHead',
        num_classes=3,
        in_channels=64,
        feat_channels=64,
        point_feat_channels=64,
        stacked_convs=2,
        num_points=9,
        gradient_mul=0.1,
        point_strides=[8, 16, 32, 64, 128],
        point_base_scale=4,
        norm_cfg=dict(type='GN', num_groups=16, requires_grad=True),
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox_init=dict(type='SmoothL1Loss', beta=0.11, loss_weight=0.5),
        loss_bbox_refine=dict(type='SmoothL1Loss', beta=0.11, loss_weight=1.0),
        transform_method='moment'),
    train_cfg=dict(
        init=dict(assigner=dict(type='PointAssigner', scale=4, pos_num=1), allowed_border=-1, pos_weight=-1,
                  debug=False),
        refine=dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4, min_pos_iou=0,
                                  ignore_iof_thr=-1),
                    allowed_border=-1, pos_weight=-1, debug=False)),
    test_cfg=dict(nms_pre=1000, min_bbox_size=0, score_thr=0.05, nms=dict(type='nms', iou_threshold=0.5),
                  max_per_img=100))
# half FCOS's schedule: the deformable convs (torchvision's CPU kernel) make each iteration several times an FCOS one
lr_config = dict(step=[8, 11])
runner = dict(type='EpochBasedRunner', max_epochs=12)
evaluation = dict(interval=6, metric='bbox', save_best='auto')
checkpoint_config = dict(interval=6, max_keep_ckpts=2)

# Quickstart: VarifocalNet trained from scratch on the embedded toy data set (generated on first use under
# data/toy_coco/, no download) on a 2-core CPU.
#
#   python tools/train.py configs/quickstart/vfnet_r18_fpn_toy.py
#
# mmdet 2.x's VFNet config (configs/vfnet/vfnet_r50_fpn_1x_coco.py) shrunk like fcos_r18_fpn_toy.py, whose
# backbone, neck, schedule and data it shares: ResNet-18 at 1/4 width trained from scratch, a 64-channel FPN
# (P3-P7) and a two-conv GroupNorm head with its star-shaped deformable convs. Measured on 2 CPU cores:
# bbox mAP 0.587 after 12 epochs (0.448 after 6); 0.6 s/iteration alone, 51 min in all while sharing the CPU
# with test runs (about 13 min on an idle machine).
_base_ = './fcos_r18_fpn_toy.py'

model = dict(
    type='VFNet',
    bbox_head=dict(
        _delete_=True,
        type='VFNetHead',
        num_classes=3,
        in_channels=64,
        stacked_convs=2,
        feat_channels=64,
        strides=[8, 16, 32, 64, 128],
        norm_cfg=dict(type='GN', num_groups=16, requires_grad=True),
        center_sampling=False,
        dcn_on_last_conv=False,
        use_atss=True,
        use_vfl=True,
        loss_cls=dict(type='VarifocalLoss', use_sigmoid=True, alpha=0.75, gamma=2.0, iou_weighted=True,
                      loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=1.5),
        loss_bbox_refine=dict(type='GIoULoss', loss_weight=2.0)),
    train_cfg=dict(assigner=dict(type='ATSSAssigner', topk=9), allowed_border=-1, pos_weight=-1, debug=False))
# half FCOS's schedule: the deformable convs (torchvision's CPU kernel) make each iteration several times an FCOS one
lr_config = dict(step=[8, 11])
runner = dict(type='EpochBasedRunner', max_epochs=12)
evaluation = dict(interval=6, metric='bbox', save_best='auto')
checkpoint_config = dict(interval=6, max_keep_ckpts=2)

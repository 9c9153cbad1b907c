_base_ = '../faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py'
# ResNeXt-101 32x4d backbone with deformable 3x3 convs in stages 2-4
model = dict(
    backbone=dict(
        type='ResNeXt',
        depth=101,
        groups=32,
        base_width=4,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        style='pytorch',
        dcn=dict(type='DCN', deform_groups=1, fallback_on_stride=False),
        stage_with_dcn=(False, True, True, True),
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnext101_32x4d')))

# TOOD multi-scale 2x on ResNeXt-101 (64x4d) with modulated deformable convs in C4-C5 and in the head's
# first two interactive convs
_base_ = './tood_x101_64x4d_fpn_mstrain_2x_coco.py'
model = dict(
    backbone=dict(
        dcn=dict(type='DCNv2', deformable_groups=1, fallback_on_stride=False),
        stage_with_dcn=(False, False, True, True),
    ),
    bbox_head=dict(num_dcn=2))

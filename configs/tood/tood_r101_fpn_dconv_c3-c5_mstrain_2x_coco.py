# TOOD multi-scale 2x on ResNet-101 with modulated deformable convs in C3-C5 and in the head's first two
# interactive convs
_base_ = './tood_r101_fpn_mstrain_2x_coco.py'
model = dict(
    backbone=dict(
        dcn=dict(type='DCNv2', deformable_groups=1, fallback_on_stride=False),
        stage_with_dcn=(False, True, True, True)),
    bbox_head=dict(num_dcn=2))

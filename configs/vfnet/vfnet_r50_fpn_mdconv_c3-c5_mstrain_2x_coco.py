# VFNet, ResNet-50 with modulated deformable convs (DCNv2) in stages 2-4 + FPN, multi-scale, 2x; the head's
# towers end in a DCNv2 as well
_base_ = './vfnet_r50_fpn_mstrain_2x_coco.py'
model = dict(
    backbone=dict(
        dcn=dict(type='DCNv2', deform_groups=1, fallback_on_stride=False),
        stage_with_dcn=(False, True, True, True)),
    bbox_head=dict(dcn_on_last_conv=True))

_base_ = '../faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py'
# deformable 3x3 convs (mmcv's DCN, torchvision's kernel) in the backbone's stages 2-4 ("c3-c5")
model = dict(
    backbone=dict(
        dcn=dict(type='DCN', deform_groups=1, fallback_on_stride=False),
        stage_with_dcn=(False, True, True, True)))

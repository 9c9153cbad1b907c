# Faster R-CNN R-50-FPN with generalised attention (attention_type '1111') after the 3x3 conv of every block in
# stages 3 and 4 (Zhu et al., 2019, "An Empirical Study of Spatial Attention Mechanisms in Deep Networks")
_base_ = '../faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py'
model = dict(
    backbone=dict(plugins=[
        dict(
            cfg=dict(
                type='GeneralizedAttention',
                spatial_range=-1,
                num_heads=8,
                attention_type='1111',
                kv_stride=2),
            stages=(False, False, True, True),
            position='after_conv2')
    ]))

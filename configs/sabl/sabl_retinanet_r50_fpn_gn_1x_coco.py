# SABL RetinaNet R-50 with GroupNorm (32 groups) in the head's towers
_base_ = './sabl_retinanet_r50_fpn_1x_coco.py'
norm_cfg = dict(type='GN', num_groups=32, requires_grad=True)
model = dict(bbox_head=dict(norm_cfg=norm_cfg))

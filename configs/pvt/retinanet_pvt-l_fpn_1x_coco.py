# RetinaNet with a PVT-Large backbone: PVT-Tiny's config with more blocks per stage.
_base_ = 'retinanet_pvt-t_fpn_1x_coco.py'
model = dict(
    backbone=dict(
        num_layers=[3, 8, 27, 3],
        init_cfg=dict(checkpoint='https://github.com/whai362/PVT/releases/download/v2/pvt_large.pth')))
fp16 = dict(loss_scale=dict(init_scale=512))  # mixed precision, dynamic loss scale from 512

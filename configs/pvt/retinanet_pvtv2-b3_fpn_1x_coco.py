# RetinaNet with a PVTv2-B3 backbone: PVTv2-B0's config, 64 channels per head and more blocks.
_base_ = 'retinanet_pvtv2-b0_fpn_1x_coco.py'
model = dict(
    backbone=dict(
        embed_dims=64,
        num_layers=[3, 4, 18, 3],
        init_cfg=dict(checkpoint='https://github.com/whai362/PVT/releases/download/v2/pvt_v2_b3.pth')),
    neck=dict(in_channels=[64, 128, 320, 512]))

# RetinaNet with a PVTv2-B0 backbone (32 channels per head, 2 blocks per stage), 1x schedule with AdamW.
# The ImageNet weights come from the original PVT repository (see retinanet_pvt-t_fpn_1x_coco.py for offline use).
_base_ = [
    '../_base_/models/retinanet_r50_fpn.py',
    '../_base_/datasets/coco_detection.py',
    '../_base_/schedules/schedule_1x.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='RetinaNet',
    backbone=dict(
        _delete_=True,
        type='PyramidVisionTransformerV2',
        embed_dims=32,
        num_layers=[2, 2, 2, 2],
        init_cfg=dict(checkpoint='https://github.com/whai362/PVT/releases/download/v2/pvt_v2_b0.pth')),
    neck=dict(in_channels=[32, 64, 160, 256]))
optimizer = dict(_delete_=True, type='AdamW', lr=0.0001, weight_decay=0.0001)

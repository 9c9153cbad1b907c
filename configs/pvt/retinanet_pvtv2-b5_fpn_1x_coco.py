# RetinaNet with a PVTv2-B5 backbone: PVTv2-B0's config, 64 channels per head and more blocks.
# One image per GPU: with 8 GPUs the learning rate is B0's over 1.4.
_base_ = 'retinanet_pvtv2-b0_fpn_1x_coco.py'
model = dict(
    backbone=dict(
        embed_dims=64,
        num_layers=[3, 6, 40, 3],
        mlp_ratios=(4, 4, 4, 4),
        init_cfg=dict(checkpoint='https://github.com/whai362/PVT/releases/download/v2/pvt_v2_b5.pth')),
    neck=dict(in_channels=[64, 128, 320, 512]))
optimizer = dict(_delete_=True, type='AdamW', lr=0.0001 / 1.4, weight_decay=0.0001)
data = dict(samples_per_gpu=1, workers_per_gpu=1)
# the batch size the learning rate was tuned for (8 GPUs x 1 image), for --auto-scale-lr
auto_scale_lr = dict(base_batch_size=8)

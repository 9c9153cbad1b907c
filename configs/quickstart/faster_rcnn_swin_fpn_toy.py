# Quickstart: Faster R-CNN with a small Swin Transformer backbone, trained from scratch on the embedded toy
# data set with the optimizer of mmdet's Swin configs (AdamW, no decay on norms and position tables).
#
#   python tools/train.py configs/quickstart/faster_rcnn_swin_fpn_toy.py
#
# The backbone is configs/swin/'s Swin-T at 1/3 width (32 channels, 1-2-4-8 heads, depths 2-2-2-2); the rest is
# faster_rcnn_r18_fpn_toy.py (16 epochs). Measured on 2 CPU cores: bbox mAP 0.742 (0.564 after 8 epochs; the
# ResNet-18 quickstart reaches 0.68), 11m40s while sharing the CPU with other work.
_base_ = './faster_rcnn_r18_fpn_toy.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='SwinTransformer',
        embed_dims=32,
        depths=[2, 2, 2, 2],
        num_heads=[1, 2, 4, 8],
        window_size=7,
        mlp_ratio=4,
        drop_path_rate=0.1,
        patch_norm=True,
        out_indices=(0, 1, 2, 3),
        init_cfg=None),
    neck=dict(in_channels=[32, 64, 128, 256]))

optimizer = dict(
    _delete_=True,
    type='AdamW',
    lr=0.001,
    betas=(0.9, 0.999),
    weight_decay=0.05,
    paramwise_cfg=dict(
        custom_keys={
            'absolute_pos_embed': dict(decay_mult=0.),
            'relative_position_bias_table': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.),
        }))

# YOLACT on 8 GPUs x 8 images: 8x the learning rate, gradient clipping, a longer warm-up
_base_ = 'yolact_r50_1x8_coco.py'
optimizer = dict(type='SGD', lr=8e-3, momentum=0.9, weight_decay=5e-4)
optimizer_config = dict(grad_clip=dict(max_norm=35, norm_type=2))
lr_config = dict(policy='step', warmup='linear', warmup_iters=1000, warmup_ratio=0.1, step=[20, 42, 49, 52])
# for `--auto-scale-lr`: the learning rate above is for 8 GPUs x 8 images
auto_scale_lr = dict(base_batch_size=64)

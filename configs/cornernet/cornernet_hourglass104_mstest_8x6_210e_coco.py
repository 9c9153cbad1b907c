_base_ = './cornernet_hourglass104_mstest_10x5_210e_coco.py'
data = dict(samples_per_gpu=6)
# base_batch_size = (8 GPUs) x (6 samples per GPU), for auto_scale_lr
auto_scale_lr = dict(base_batch_size=48)

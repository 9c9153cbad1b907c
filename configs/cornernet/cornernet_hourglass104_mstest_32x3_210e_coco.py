_base_ = './cornernet_hourglass104_mstest_10x5_210e_coco.py'
data = dict(samples_per_gpu=3)
# base_batch_size = (32 GPUs) x (3 samples per GPU), for auto_scale_lr
auto_scale_lr = dict(base_batch_size=96)

# FCOS R50-caffe with 4 images per GPU (the batch the HRNet FCOS configs build on).
_base_ = 'fcos_r50_caffe_fpn_gn-head_1x_coco.py'
data = dict(samples_per_gpu=4, workers_per_gpu=4)

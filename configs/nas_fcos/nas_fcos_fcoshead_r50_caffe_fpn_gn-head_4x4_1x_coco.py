# NAS-FCOS's searched neck with the plain FCOS head (four 3x3 GN convs per tower)
_base_ = './nas_fcos_nashead_r50_caffe_fpn_gn-head_4x4_1x_coco.py'
model = dict(bbox_head=dict(type='FCOSHead', stacked_convs=4))

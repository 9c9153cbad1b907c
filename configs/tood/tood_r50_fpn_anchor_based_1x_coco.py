# TOOD regressing deltas from the square anchors instead of distances from their centres
_base_ = './tood_r50_fpn_1x_coco.py'
model = dict(bbox_head=dict(anchor_type='anchor_based'))

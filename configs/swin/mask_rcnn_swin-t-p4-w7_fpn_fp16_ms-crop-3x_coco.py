# The ms-crop 3x recipe with mixed precision (static initial loss scale 512, then dynamic).
_base_ = './mask_rcnn_swin-t-p4-w7_fpn_ms-crop-3x_coco.py'
fp16 = dict(loss_scale=dict(init_scale=512))

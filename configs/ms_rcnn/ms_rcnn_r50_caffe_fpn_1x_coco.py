# Mask Scoring R-CNN with the caffe-style R50-FPN, 1x: Mask R-CNN plus a MaskIoUHead whose predicted mask IoU
# rescales each mask's score (COCO segm results carry these scores).
_base_ = '../mask_rcnn/mask_rcnn_r50_caffe_fpn_1x_coco.py'
model = dict(
    type='MaskScoringRCNN',
    roi_head=dict(
        type='MaskScoringRoIHead',
        mask_iou_head=dict(
            type='MaskIoUHead',
            num_convs=4,
            num_fcs=2,
            roi_feat_size=14,
            in_channels=256,
            conv_out_channels=256,
            fc_out_channels=1024,
            num_classes=80)),
    # binarisation threshold of the predicted masks when computing the IoU targets
    train_cfg=dict(rcnn=dict(mask_thr_binary=0.5)))

# The "bbox + grid" baseline of the RepPoints paper: each location regresses a box (from a base square) and
# samples a 3x3 grid on it; the first boxes learn by IoU with squares of 4 strides instead of nearest points
_base_ = './reppoints_moment_r50_fpn_gn-neck+head_1x_coco.py'
model = dict(
    bbox_head=dict(transform_method='minmax', use_grid_points=True),
    train_cfg=dict(
        init=dict(
            assigner=dict(
                _delete_=True,
                type='MaxIoUAssigner',
                pos_iou_thr=0.5,
                neg_iou_thr=0.4,
                min_pos_iou=0,
                ignore_iof_thr=-1))))

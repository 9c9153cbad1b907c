"""Draw the test images a model does best and worst on (per-image mAP, or PQ for panoptic results).

    python tools/analysis_tools/analyze_results.py CONFIG RESULTS.pkl SHOW_DIR [--topk 20] [--show]
        [--wait-time 0] [--show-score-thr 0] [--overlay-gt-pred] [--cfg-options k=v ...]

RESULTS.pkl comes from ``tools/test.py CONFIG CHECKPOINT --out RESULTS.pkl``. Images go to SHOW_DIR/good and
SHOW_DIR/bad as ``<name>_<score><ext>``, with the ground truth and the results drawn.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import numpy as np  # noqa: E402

from mmlite.apis.saved_results import load_test_set_and_results  # noqa: E402
from mmlite.core.evaluation import eval_map  # noqa: E402
from mmlite.core.visualization import imshow_gt_det_bboxes  # noqa: E402
from mmlite.utils import DictAction, ProgressBar, mkdir_or_exist  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Score every test image and draw the best and worst ones')
    parser.add_argument('config', help='the config file')
    parser.add_argument('prediction_path', help='results .pkl written by tools/test.py --out')
    parser.add_argument('show_dir', help='folder for the drawn images (good/ and bad/)')
    parser.add_argument('--show', action='store_true', help='(images are only written to files)')
    parser.add_argument('--wait-time', type=float, default=0, help='(accepted for compatibility)')
    parser.add_argument('--topk', default=20, type=int, help='how many best- and worst-scoring images '
                        'to draw')
    parser.add_argument('--show-score-thr', type=float, default=0, help='draw detections scoring at least this')
    parser.add_argument('--overlay-gt-pred', action='store_true', help='whether to plot gts and predictions on the '
                        'same image (else stacked, ground truth above)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config entries to change, as key=value pairs '
                        '(dotted keys for nested entries), applied after the file is read')
    return parser.parse_args(argv)


def bbox_map_eval(det_result, annotation: dict, nproc: int = 4) -> float:
    """One image's mAP averaged over IoU 0.50:0.95 (as mmdet's tool)."""
    det_result = [det_result[0] if isinstance(det_result, tuple) else det_result]
    iou_thrs = np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1, endpoint=True)
    return float(np.mean([eval_map(det_result, [annotation], iou_thr=thr, logger='silent')[0] for thr in iou_thrs]))


def panoptic_quality_of(dataset, idx: int, result: dict) -> float:
    """One image's PQ against its panoptic PNG."""
    from mmlite.datasets._panoptic_results import pred_segments
    from mmlite.datasets.api_wrappers.panoptic_evaluation import PQStat, pq_image_stat, rgb2id
    from mmlite.image import imread
    info = dataset.data_infos[idx]
    pan_gt = rgb2id(imread(osp.join(dataset.seg_prefix, info['segm_file']), channel_order='rgb'))
    pred_ids, segments = pred_segments(result['pan_results'], len(dataset.CLASSES), dataset.cat_ids,
                                       dataset.categories)
    categories = {cat_id: dataset.categories[cat_id] for cat_id in dataset.cat_ids}
    stat = PQStat()
    pq_image_stat(stat, pan_gt, dataset.coco.imgToAnns.get(info['id'], []), pred_ids, segments, categories, info['id'])
    return stat.pq_average(categories, None)[0]['pq']


def image_scores(dataset, results: list) -> list[tuple[int, float]]:
    """``(index, score)`` of every image, ascending."""
    scores = {}
    bar = ProgressBar(len(results))
    for idx, result in enumerate(results):
        if isinstance(result, dict):
            scores[idx] = panoptic_quality_of(dataset, idx, result)
        elif isinstance(result, (list, tuple)):
            scores[idx] = bbox_map_eval(result, dataset.get_ann_info(idx))
        else:
            raise SystemExit(f'result {idx} is a {type(result).__name__}: expected per-class boxes (a list), '
                             '(boxes, masks) or a panoptic dict')
        bar.update()
    return sorted(scores.items(), key=lambda kv: kv[1])


def save_images(dataset, results: list, picked: list, out_dir: str, args) -> None:
    mkdir_or_exist(out_dir)
    for idx, score in picked:
        data = dataset.prepare_train_img(idx)
        name, ext = osp.splitext(osp.basename(data['filename']))
        imshow_gt_det_bboxes(data['img'], data, results[idx], dataset.CLASSES, gt_bbox_color=dataset.PALETTE,
                             gt_text_color=(200, 200, 200), gt_mask_color=dataset.PALETTE,
                             det_bbox_color=dataset.PALETTE, det_text_color=(200, 200, 200),
                             det_mask_color=dataset.PALETTE, show=args.show, score_thr=args.show_score_thr,
                             wait_time=args.wait_time, out_file=osp.join(out_dir, f'{name}_{round(score, 3)}{ext}'),
                             overlay_gt_pred=args.overlay_gt_pred)


def main(argv=None) -> list:
    args = parse_args(argv)
    if args.topk <= 0:
        raise SystemExit('--topk must be positive')
    _, dataset, results = load_test_set_and_results(args.config, args.prediction_path, args.cfg_options,
                                                    with_ground_truth=True)
    topk = min(args.topk, len(dataset) // 2) or 1
    scores = image_scores(dataset, results)
    save_images(dataset, results, scores[-topk:], osp.join(osp.abspath(args.show_dir), 'good'), args)
    save_images(dataset, results, scores[:topk], osp.join(osp.abspath(args.show_dir), 'bad'), args)
    return scores


if __name__ == '__main__':
    main()

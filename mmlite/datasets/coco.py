"""``CocoDataset``: COCO-format annotations through pycocotools (mmdet 2.x behaviour)."""
from __future__ import annotations

import json
import math
import os.path as osp
import tempfile
from collections import Counter

import numpy as np

from ..core.evaluation.class_names import COCO_CLASSES
from ..utils import dump, get_root_logger, print_log
from ..utils.errors import ReadableKeyError
from ._coco_eval import coco_from_dict, evaluate_det_segm
from .api_wrappers import COCO
from .custom import CustomDataset
from .registry import DATASETS


def read_coco_json(ann_file: str, kind: str = 'COCO', required=('images', 'annotations', 'categories')) -> dict:
    """The JSON of a COCO-style file, with a clear error unless it holds the ``required`` lists (``kind`` names
    the format in the message)."""
    try:
        with open(ann_file, encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise ValueError(f'{ann_file}: cannot read it as JSON ({exc})') from exc
    missing = [k for k in required if not isinstance(data, dict) or not isinstance(data.get(k), list)]
    if missing:
        expected = ', '.join(f'"{k}"' for k in required)
        raise ValueError(f'{ann_file} is not a {kind} annotation file: it has no list "{missing[0]}" (expected '
                         f'keys {expected})')
    return data


def load_coco(ann_file: str) -> COCO:
    """A pycocotools COCO index of ``ann_file``, with a clear error for files that are not COCO."""
    data = read_coco_json(ann_file)
    _renumber_from_one(data['annotations'], ann_file)
    return coco_from_dict(data)


def _renumber_from_one(annotations: list, ann_file: str) -> None:
    """Shift annotation ids by one, in memory, when one of them is 0: pycocotools marks a detection's match by
    the annotation id, so a match with id 0 reads as no match (files from mmdet 2.x's VOC converter start at 0)."""
    if not any(ann.get('id') == 0 for ann in annotations):
        return
    for ann in annotations:
        ann['id'] += 1
    print_log(f'{ann_file}: annotation ids start at 0, which pycocotools evaluates as unmatched; they are counted '
              f'from 1 instead (in memory, the file is unchanged)', logger=get_root_logger(), level=30)


def output_prefix(prefix: str | None) -> tuple[str, tempfile.TemporaryDirectory | None]:
    """``(prefix, None)``, or ``('<new temporary directory>/results', that directory)`` when ``prefix`` is None."""
    if prefix is not None:
        return prefix, None
    tmp_dir = tempfile.TemporaryDirectory()
    return osp.join(tmp_dir.name, 'results'), tmp_dir


def _outside(bbox: list, width: float, height: float) -> bool:
    """Whether an ``[x, y, w, h]`` box has no overlap with a ``width`` x ``height`` image."""
    x, y, w, h = bbox
    return min(x + w, width) <= max(x, 0) or min(y + h, height) <= max(y, 0)


@DATASETS.register_module()
class CocoDataset(CustomDataset):
    """COCO detection/instance segmentation (``CLASSES`` are COCO's 80 names by default).

    ``classes`` selects a subset (or other names); every name must exist among the file's
    categories. Crowd boxes become ``bboxes_ignore``; boxes outside the image, smaller than a
    pixel, or of other categories are skipped, with one summary line in the log.
    """

    CLASSES = COCO_CLASSES
    PALETTE = None  # set below: mmdet's 80 colours (the first 80 of the COCO panoptic palette)

    def load_annotations(self, ann_file: str) -> list:
        self.coco = load_coco(ann_file)
        names = {c['name'] for c in self.coco.dataset['categories']}
        unknown = [c for c in self.CLASSES if c not in names]
        if unknown:
            raise ReadableKeyError(f'{ann_file}: classes {unknown} are not among its categories '
                                   f'{sorted(names)}; fix the "classes" of the dataset config')
        self.cat_ids = self.coco.getCatIds(catNms=list(self.CLASSES))
        # pycocotools returns ids in file order: keep label order == CLASSES order
        name_of = {c['id']: c['name'] for c in self.coco.dataset['categories']}
        self.cat_ids = sorted(self.cat_ids, key=lambda cid: list(self.CLASSES).index(name_of[cid]))
        self.cat2label = {cat_id: i for i, cat_id in enumerate(self.cat_ids)}
        self.img_ids = self.coco.getImgIds()
        data_infos = []
        ann_ids = []
        for img_id in self.img_ids:
            info = self.coco.loadImgs([img_id])[0]
            info['filename'] = self._image_filename(info)
            data_infos.append(info)
            ann_ids.extend(self.coco.getAnnIds(imgIds=[img_id]))
        duplicates = [k for k, v in Counter(ann_ids).items() if v > 1]
        if duplicates:
            raise ValueError(f"Annotation ids in '{ann_file}' are not unique: {duplicates[:10]}")
        self._check_annotations(ann_file)
        return data_infos

    @staticmethod
    def _image_filename(info: dict) -> str:
        """The image's path under ``img_prefix``."""
        if 'file_name' not in info:
            raise ReadableKeyError(f'image {info.get("id")} has no "file_name" in the annotation file')
        return info['file_name']

    def _check_annotations(self, ann_file: str) -> None:
        skipped = Counter()
        sizes = {img['id']: (img.get('width', math.inf), img.get('height', math.inf))
                 for img in self.coco.dataset['images']}
        for ann in self.coco.dataset['annotations']:
            bbox = ann.get('bbox')
            if not isinstance(bbox, (list, tuple)) or len(bbox) != 4:
                raise ValueError(f'{ann_file}: annotation id {ann.get("id")} (image {ann.get("image_id")}) '
                                 f'has bbox {bbox!r}; expected [x, y, width, height]')
            if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in bbox):
                raise ValueError(f'{ann_file}: annotation id {ann.get("id")} (image {ann.get("image_id")}) '
                                 f'has a non-finite bbox {bbox}; fix or delete it')
            if ann.get('category_id') not in self.cat2label:
                skipped['category not in classes'] += 1
            elif bbox[2] < 1 or bbox[3] < 1 or ann.get('area', 1) <= 0:
                skipped['smaller than 1 pixel'] += 1
            elif _outside(bbox, *sizes.get(ann.get('image_id'), (math.inf, math.inf))):
                skipped['entirely outside their image'] += 1
        if skipped:
            summary = ', '.join(f'{n} {reason}' for reason, n in skipped.items())
            print_log(f'{osp.basename(ann_file)}: skipping annotations ({summary})', get_root_logger())

    def get_ann_info(self, idx: int) -> dict:
        img_id = self.data_infos[idx]['id']
        ann_info = self.coco.loadAnns(self.coco.getAnnIds(imgIds=[img_id]))
        return self._parse_ann_info(self.data_infos[idx], ann_info)

    def get_cat_ids(self, idx: int) -> list[int]:
        img_id = self.data_infos[idx]['id']
        return [ann['category_id'] for ann in self.coco.loadAnns(self.coco.getAnnIds(imgIds=[img_id]))]

    def _filter_imgs(self, min_size: int = 32) -> list[int]:
        """Keep images of at least ``min_size`` pixels per side and, with ``filter_empty_gt``,
        with at least one annotation of the selected classes."""
        ids_with_ann = {ann['image_id'] for ann in self.coco.anns.values()}
        ids_in_cat = set()
        for cat_id in self.cat_ids:
            ids_in_cat |= set(self.coco.catToImgs[cat_id])
        ids_in_cat &= ids_with_ann
        valid_inds, valid_img_ids = [], []
        for i, info in enumerate(self.data_infos):
            img_id = self.img_ids[i]
            if self.filter_empty_gt and img_id not in ids_in_cat:
                continue
            if min(info['width'], info['height']) >= min_size:
                valid_inds.append(i)
                valid_img_ids.append(img_id)
        dropped = len(self.data_infos) - len(valid_inds)
        if dropped:
            print_log(f'{osp.basename(self.ann_file)}: {dropped} of {len(self.data_infos)} images '
                      f'filtered (no annotations of the selected classes, or smaller than {min_size} px)',
                      get_root_logger())
        self.img_ids = valid_img_ids
        return valid_inds

    def _parse_ann_info(self, img_info: dict, ann_info: list) -> dict:
        gt_bboxes, gt_labels, gt_bboxes_ignore, gt_masks_ann = [], [], [], []
        for ann in ann_info:
            if ann.get('ignore', False):
                continue
            x1, y1, w, h = ann['bbox']
            inter_w = max(0, min(x1 + w, img_info['width']) - max(x1, 0))
            inter_h = max(0, min(y1 + h, img_info['height']) - max(y1, 0))
            if inter_w * inter_h == 0 or ann.get('area', 1) <= 0 or w < 1 or h < 1:
                continue
            if ann['category_id'] not in self.cat2label:
                continue
            bbox = [x1, y1, x1 + w, y1 + h]
            if ann.get('iscrowd', False):
                gt_bboxes_ignore.append(bbox)
            else:
                gt_bboxes.append(bbox)
                gt_labels.append(self.cat2label[ann['category_id']])
                gt_masks_ann.append(ann.get('segmentation', None))
        return dict(
            bboxes=np.array(gt_bboxes, dtype=np.float32).reshape(-1, 4),
            labels=np.array(gt_labels, dtype=np.int64),
            bboxes_ignore=np.array(gt_bboxes_ignore, dtype=np.float32).reshape(-1, 4),
            masks=gt_masks_ann,
            seg_map=img_info['filename'].replace('jpg', 'png'))

    @staticmethod
    def xyxy2xywh(bbox: np.ndarray) -> list[float]:
        b = bbox.tolist()
        return [b[0], b[1], b[2] - b[0], b[3] - b[1]]

    def _proposal2json(self, results: list) -> list:
        out = []
        for idx, bboxes in enumerate(results):
            for box in bboxes:
                out.append(dict(image_id=self.img_ids[idx], bbox=self.xyxy2xywh(box),
                                score=float(box[4]), category_id=1))
        return out

    def _det2json(self, results: list) -> list:
        out = []
        for img_id, result in zip(self.img_ids, results):
            for cat_id, bboxes in zip(self.cat_ids, result):
                # one tolist() per array: the same Python floats as per-box conversion, far faster
                out.extend(dict(image_id=img_id, bbox=[b[0], b[1], b[2] - b[0], b[3] - b[1]], score=b[4],
                                category_id=cat_id) for b in np.asarray(bboxes).tolist())
        return out

    def _segm2json(self, results: list) -> tuple[list, list]:
        bbox_json, segm_json = [], []
        for idx, (det, seg) in enumerate(results):
            if isinstance(seg, tuple):  # (segms, mask scores)
                seg, mask_scores = seg
            else:
                mask_scores = None
            for label, bboxes in enumerate(det):
                for i, box in enumerate(bboxes):
                    item = dict(image_id=self.img_ids[idx], bbox=self.xyxy2xywh(box),
                                score=float(box[4]), category_id=self.cat_ids[label])
                    bbox_json.append(item)
                    rle = dict(seg[label][i])
                    if isinstance(rle.get('counts'), bytes):
                        rle['counts'] = rle['counts'].decode()
                    score = float(mask_scores[label][i]) if mask_scores is not None else float(box[4])
                    segm_json.append(dict(item, score=score, segmentation=rle))
        return bbox_json, segm_json

    def _result_dicts(self, results: list) -> dict:
        """COCO result dicts per kind: ``{'bbox': [...], 'segm': [...]}`` or ``{'proposal': [...]}``."""
        if isinstance(results[0], list):
            return dict(bbox=self._det2json(results))
        if isinstance(results[0], tuple):
            bbox_json, segm_json = self._segm2json(results)
            return dict(bbox=bbox_json, segm=segm_json)
        if isinstance(results[0], np.ndarray):
            return dict(proposal=self._proposal2json(results))
        raise TypeError(f'invalid type of results: {type(results[0])}')

    def results2json(self, results: list, outfile_prefix: str) -> dict:
        """Dump results to ``<prefix>.bbox.json`` (and ``.segm.json`` / ``.proposal.json``)."""
        files = {}
        for kind, items in self._result_dicts(results).items():
            files[kind] = f'{outfile_prefix}.{kind}.json'
            dump(items, files[kind])
        if 'bbox' in files:
            files['proposal'] = files['bbox']
        return files

    def _check_results(self, results: list) -> None:
        if not isinstance(results, list):
            raise TypeError(f'results must be a list, got {type(results)}')
        if len(results) != len(self):
            raise ValueError(f'The length of results is not equal to the dataset len: '
                             f'{len(results)} != {len(self)}')

    def format_results(self, results: list, jsonfile_prefix: str | None = None, **kwargs):
        """Write COCO-style result files; returns ``(files, tmp_dir or None)``."""
        self._check_results(results)
        jsonfile_prefix, tmp_dir = output_prefix(jsonfile_prefix)
        return self.results2json(results, jsonfile_prefix), tmp_dir

    def evaluate(self, results: list, metric='bbox', logger=None, jsonfile_prefix: str | None = None,
                 classwise: bool = False, proposal_nums=(100, 300, 1000), iou_thrs=None,
                 metric_items=None) -> dict:
        """COCO evaluation (``'bbox'``, ``'segm'``, ``'proposal'``, ``'proposal_fast'``).

        Returns mmdet's keys: ``bbox_mAP``, ``bbox_mAP_50``, ``bbox_mAP_75``, ``bbox_mAP_s/m/l`` and
        ``bbox_mAP_copypaste`` (``segm_`` twins; ``AR@N`` for proposals).
        """
        metrics = metric if isinstance(metric, list) else [metric]
        for m in metrics:
            if m not in ('bbox', 'segm', 'proposal', 'proposal_fast'):
                raise ReadableKeyError(f'metric {m} is not supported; use bbox, segm, proposal or proposal_fast')
        self._check_results(results)
        if jsonfile_prefix is not None:  # the files are wanted: write them and evaluate those
            predictions = self.results2json(results, jsonfile_prefix)
        else:  # no detour through temporary JSON files
            predictions = self._result_dicts(results)
            if 'bbox' in predictions:
                predictions['proposal'] = predictions['bbox']
        return evaluate_det_segm(self, results, predictions, metrics, logger, classwise,
                                 proposal_nums, iou_thrs, metric_items)


def _coco_palette() -> list:
    with open(osp.join(osp.dirname(__file__), 'coco_panoptic_classes.json'), encoding='utf-8') as f:
        return [tuple(color) for color in json.load(f)['palette'][:80]]


CocoDataset.PALETTE = _coco_palette()

"""``CocoPanopticDataset``: COCO panoptic segmentation (things as instances, stuff as regions), PQ evaluation."""
from __future__ import annotations

import json
import os.path as osp
from collections import defaultdict

import numpy as np

from ..utils import dump, get_root_logger, print_log
from ..utils.errors import ReadableKeyError
from ._panoptic_results import (evaluate_instances, panoptic_quality, parse_pq_results, pred_segments,  # noqa: F401
                                print_panoptic_table)
from .api_wrappers import COCO
from .api_wrappers.panoptic_evaluation import VOID, id2rgb
from .coco import CocoDataset, output_prefix, read_coco_json
from .custom import _join_root
from .registry import DATASETS


def _coco_panoptic_classes() -> dict:
    with open(osp.join(osp.dirname(__file__), 'coco_panoptic_classes.json'), encoding='utf-8') as f:
        return json.load(f)


_CLASSES = _coco_panoptic_classes()


class COCOPanoptic(COCO):
    """A COCO index of a panoptic annotation file (``annotations`` hold one ``segments_info`` list per
    image). As in mmdet, ``anns`` maps a segment id to the list of segments with that id (ids are unique
    only within an image) and ``load_anns`` flattens those lists."""

    def createIndex(self) -> None:  # noqa: N802 - pycocotools' name
        anns, imgs, cats = defaultdict(list), {}, {}
        img_to_anns, cat_to_imgs = defaultdict(list), defaultdict(list)
        for img in self.dataset.get('images', []):
            imgs[img['id']] = img
        for cat in self.dataset.get('categories', []):
            cats[cat['id']] = cat
        for ann in self.dataset.get('annotations', []):
            img = imgs.get(ann['image_id'])
            if img is None:
                raise ValueError(f'panoptic annotation {ann.get("file_name")} refers to image id {ann["image_id"]}, '
                                 'which is not among the file\'s images')
            img['segm_file'] = ann['file_name']
            for seg in ann['segments_info']:
                seg.update(image_id=ann['image_id'], height=img['height'], width=img['width'])
                img_to_anns[ann['image_id']].append(seg)
                anns[seg['id']].append(seg)
                cat_to_imgs[seg['category_id']].append(ann['image_id'])
        self.anns, self.imgs, self.cats = dict(anns), imgs, cats
        self.imgToAnns, self.catToImgs = img_to_anns, cat_to_imgs

    def load_anns(self, ids=()) -> list:
        if isinstance(ids, int):
            return self.anns[ids]
        return [seg for i in ids for seg in self.anns[i]]


def load_coco_panoptic(ann_file: str) -> COCOPanoptic:
    """The panoptic index of ``ann_file``, with errors that name what is missing."""
    data = read_coco_json(ann_file, 'COCO panoptic', required=('images', 'categories'))
    data.setdefault('annotations', [])  # test-dev image lists have none
    for ann in data['annotations']:
        absent = [k for k in ('image_id', 'file_name', 'segments_info') if k not in ann]
        if absent:
            raise ValueError(f'{ann_file}: an annotation has no "{absent[0]}"; COCO panoptic annotations hold '
                             '"image_id", "file_name" (the PNG) and "segments_info" per image. Is this an '
                             'instances file (use CocoDataset)?')
    coco = COCOPanoptic()
    coco.dataset = data
    coco.createIndex()
    return coco


@DATASETS.register_module()
class CocoPanopticDataset(CocoDataset):
    """COCO panoptic segmentation: 80 thing and 53 stuff classes; labels count things first.

    Each sample's ``ann_info`` has the thing boxes and labels (crowd things as ``bboxes_ignore``), ``masks``:
    one ``dict(id, category, is_thing)`` per segment of the PNG ``seg_map`` under ``seg_prefix``, which
    ``LoadPanopticAnnotations`` turns into instance masks and a semantic map. Results are per image
    ``dict(pan_results=H x W ids)`` (``instance * INSTANCE_OFFSET + label``, ``len(CLASSES)`` for VOID);
    ``metric='PQ'`` reports PQ/SQ/RQ (all, things, stuff), and ``'bbox'``/``'segm'`` evaluate
    ``ins_results`` against ``ins_ann_file``.

    Args (beyond CocoDataset's):
        ins_ann_file: A COCO instances file of the same images, for the ``bbox``/``segm`` metrics (relative
            paths are under ``data_root``, like ``ann_file``).
    """

    THING_CLASSES = tuple(_CLASSES['things'])
    STUFF_CLASSES = tuple(_CLASSES['stuff'])
    CLASSES = THING_CLASSES + STUFF_CLASSES
    PALETTE = [tuple(color) for color in _CLASSES['palette']]

    def __init__(self, ann_file: str, pipeline, ins_ann_file: str | None = None, classes=None,
                 data_root: str | None = None, img_prefix: str = '', seg_prefix: str | None = None,
                 proposal_file: str | None = None, test_mode: bool = False, filter_empty_gt: bool = True,
                 file_client_args: dict = dict(backend='disk')):  # noqa: B006
        super().__init__(ann_file, pipeline, classes=classes, data_root=data_root, img_prefix=img_prefix,
                         seg_prefix=seg_prefix, proposal_file=proposal_file, test_mode=test_mode,
                         filter_empty_gt=filter_empty_gt, file_client_args=file_client_args)
        self.ins_ann_file = _join_root(data_root, ins_ann_file)  # as documented in mmdet (its code did not)

    def load_annotations(self, ann_file: str) -> list:
        self.coco = load_coco_panoptic(ann_file)
        name_to_cat = {cat['name']: cat for cat in self.coco.dataset['categories']}
        unknown = [name for name in self.CLASSES if name not in name_to_cat]
        if unknown:
            raise ReadableKeyError(f'{ann_file}: classes {unknown} are not among its categories '
                                   f'{sorted(name_to_cat)}; fix the "classes" of the dataset config')
        self.cat_ids = [name_to_cat[name]['id'] for name in self.CLASSES]
        self.cat2label = {cat_id: i for i, cat_id in enumerate(self.cat_ids)}
        self.categories = self.coco.cats
        is_thing = [bool(self.categories[cat_id]['isthing']) for cat_id in self.cat_ids]
        self.num_things = sum(is_thing)
        if any(is_thing[self.num_things:]):
            raise ValueError(f'{ann_file}: thing classes must come before stuff classes (panoptic heads count '
                             f'things first), but the class order is {list(self.CLASSES)}; reorder "classes"')
        self.img_ids = self.coco.get_img_ids()
        data_infos = []
        for img_id in self.img_ids:
            info = dict(self.coco.load_imgs([img_id])[0])
            info['filename'] = self._image_filename(info)
            info.setdefault('segm_file', osp.splitext(info['filename'])[0] + '.png')
            data_infos.append(info)
        return data_infos

    def get_ann_info(self, idx: int) -> dict:
        info = self.data_infos[idx]
        return self._parse_ann_info(info, self.coco.imgToAnns.get(info['id'], []))

    def get_cat_ids(self, idx: int) -> list[int]:
        return [seg['category_id'] for seg in self.coco.imgToAnns.get(self.data_infos[idx]['id'], [])]

    def _parse_ann_info(self, img_info: dict, ann_info: list) -> dict:
        """Thing boxes and labels, crowd things as ignored boxes, and every kept segment's mask info."""
        gt_bboxes, gt_labels, gt_bboxes_ignore, mask_infos = [], [], [], []
        for seg in ann_info:
            x1, y1, w, h = seg['bbox']
            if seg['area'] <= 0 or w < 1 or h < 1 or seg['category_id'] not in self.cat2label:
                continue
            label = self.cat2label[seg['category_id']]
            is_thing = bool(self.categories[seg['category_id']]['isthing'])
            if is_thing and seg.get('iscrowd', False):
                gt_bboxes_ignore.append([x1, y1, x1 + w, y1 + h])
                is_thing = False  # a crowd region is no instance to learn
            elif is_thing:
                gt_bboxes.append([x1, y1, x1 + w, y1 + h])
                gt_labels.append(label)
            mask_infos.append(dict(id=seg['id'], category=label, is_thing=is_thing))
        return dict(bboxes=np.array(gt_bboxes, dtype=np.float32).reshape(-1, 4),
                    labels=np.array(gt_labels, dtype=np.int64),
                    bboxes_ignore=np.array(gt_bboxes_ignore, dtype=np.float32).reshape(-1, 4),
                    masks=mask_infos, seg_map=img_info['segm_file'])

    def _filter_imgs(self, min_size: int = 32) -> list[int]:
        """Keep images of at least ``min_size`` px per side and, with ``filter_empty_gt``, with a thing."""
        thing_ids = {cat_id for cat_id in self.cat_ids if self.categories[cat_id]['isthing']}
        with_things = {seg['image_id'] for segs in self.coco.anns.values() for seg in segs
                       if seg['category_id'] in thing_ids}
        valid_inds, valid_img_ids = [], []
        for i, info in enumerate(self.data_infos):
            if self.filter_empty_gt and info['id'] not in with_things:
                continue
            if min(info['width'], info['height']) >= min_size:
                valid_inds.append(i)
                valid_img_ids.append(info['id'])
        dropped = len(self.data_infos) - len(valid_inds)
        if dropped:
            print_log(f'{osp.basename(self.ann_file)}: {dropped} of {len(self.data_infos)} images filtered '
                      f'(no thing segments, or smaller than {min_size} px)', get_root_logger())
        self.img_ids = valid_img_ids
        return valid_inds

    def _pan2json(self, results: list, outfile_prefix: str) -> dict:
        """Write each panoptic map as a PNG under ``<dirname(prefix)>/panoptic/``; return the JSON record."""
        from ..image import imwrite
        out_dir = osp.join(osp.dirname(outfile_prefix), 'panoptic')
        records = []
        for idx, pan in enumerate(results):
            info = self.data_infos[idx]
            ids, segments = pred_segments(pan, len(self.CLASSES), self.cat_ids, self.categories)
            imwrite(id2rgb(ids), osp.join(out_dir, info['segm_file']), channel_order='rgb')
            records.append(dict(image_id=info['id'], segments_info=segments, file_name=info['segm_file']))
        return dict(annotations=records)

    def results2json(self, results: list, outfile_prefix: str) -> dict:
        """Write ``<prefix>.panoptic.json`` (+ PNGs) for ``pan_results`` and the COCO ``bbox``/``segm``
        files for ``ins_results``; returns the file names by kind."""
        files = {}
        if 'pan_results' in results[0]:
            files['panoptic'] = f'{outfile_prefix}.panoptic.json'
            dump(self._pan2json([r['pan_results'] for r in results], outfile_prefix), files['panoptic'])
        if 'ins_results' in results[0]:
            bbox_json, segm_json = self._segm2json([r['ins_results'] for r in results])
            files['bbox'] = files['proposal'] = f'{outfile_prefix}.bbox.json'
            files['segm'] = f'{outfile_prefix}.segm.json'
            dump(bbox_json, files['bbox'])
            dump(segm_json, files['segm'])
        return files

    def _check_results(self, results: list) -> None:
        super()._check_results(results)
        if not results or not isinstance(results[0], dict):
            raise TypeError(f'{type(self).__name__} evaluates per-image dicts with "pan_results" (and/or '
                            f'"ins_results"), got {type(results[0]).__name__ if results else "no results"}; '
                            'is the model a panoptic segmentor?')

    def evaluate(self, results: list, metric='PQ', logger=None, jsonfile_prefix: str | None = None,
                 classwise: bool = False, nproc: int = 32, **kwargs) -> dict:
        """``'PQ'`` (alias ``'pq'``): ``PQ``, ``SQ``, ``RQ`` and their ``_th``/``_st`` (things/stuff) twins
        in percent, plus ``PQ_copypaste``; ``'bbox'``/``'segm'``/``'proposal'``: COCO metrics of the
        ``ins_results`` on ``ins_ann_file``. With ``jsonfile_prefix`` the result files are written too."""
        metrics = ['PQ' if m == 'pq' else m for m in (metric if isinstance(metric, list) else [metric])]
        for m in metrics:
            if m not in ('PQ', 'bbox', 'segm', 'proposal'):
                raise ReadableKeyError(f'metric {m} is not supported by {type(self).__name__}; use PQ, bbox, '
                                       'segm or proposal')
        self._check_results(results)
        if jsonfile_prefix is not None:
            self.results2json(results, jsonfile_prefix)
        eval_results = {}
        if 'PQ' in metrics:
            eval_results.update(panoptic_quality(self, [r['pan_results'] for r in results], logger, classwise,
                                                 nproc))
        instance_metrics = [m for m in metrics if m != 'PQ']
        if instance_metrics:
            eval_results.update(evaluate_instances(self, results, instance_metrics, logger, classwise, **kwargs))
        return eval_results

    def format_results(self, results: list, jsonfile_prefix: str | None = None, **kwargs):
        """Write the result files (see ``results2json``); returns ``(files, tmp_dir or None)``."""
        self._check_results(results)
        jsonfile_prefix, tmp_dir = output_prefix(jsonfile_prefix)
        return self.results2json(results, jsonfile_prefix), tmp_dir


__all__ = ['CocoPanopticDataset', 'COCOPanoptic', 'VOID']

"""Open Images detection (v6 CSVs and the 2019 challenge files) with the class hierarchy and group-of boxes."""
from __future__ import annotations

import copy
import csv
import json
import os.path as osp
import warnings
from collections import OrderedDict, defaultdict

import numpy as np

from ..core.evaluation import eval_map
from ..utils import load, print_log
from ..utils.errors import ReadableKeyError
from .custom import CustomDataset, _join_root
from .registry import DATASETS

_FLAGS = ('is_occluded', 'is_truncated', 'is_group_of', 'is_depiction', 'is_inside')


def _csv_rows(path: str, skip_header: bool) -> list:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} does not exist; check the Open Images file paths in the data config')
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    return rows[1:] if skip_header else rows


@DATASETS.register_module()
class OpenImagesDataset(CustomDataset):
    """Open Images v6 boxes: ``ann_file`` (``*-annotations-bbox.csv``, normalised boxes), ``label_file``
    (``LabelName,DisplayName`` rows: the classes, in order), ``hierarchy_file`` (the label hierarchy JSON),
    ``image_level_ann_file`` (verified image labels) and ``meta_file`` (a pickle of test-image ``ori_shape`` s).

    Evaluation (``metric='mAP'``, ``AP50``) follows the Open Images protocol: ground truth and detections count
    for every ancestor class too (``get_supercategory``), detections of classes neither annotated nor verified in
    an image are dropped (``filter_labels``), and group-of boxes count once (``use_group_of``, ``ioa_thr``).
    Without ``meta_file`` the image sizes are read from the image files' headers.
    """

    def __init__(self, ann_file: str, label_file: str = '', image_level_ann_file: str = '',
                 get_supercategory: bool = True, hierarchy_file: str | None = None, get_metas: bool = True,
                 load_from_file: bool = True, meta_file: str = '', filter_labels: bool = True,
                 load_image_level_labels: bool = True, file_client_args: dict = dict(backend='disk'),  # noqa: B006
                 **kwargs):
        data_root = kwargs.get('data_root')
        self.cat2label, self.index_dict = defaultdict(str), {}
        class_names = self.get_classes_from_csv(_join_root(data_root, label_file))
        classes = kwargs.pop('classes', None)
        if classes is not None and list(self.get_classes(classes)) != class_names:
            raise ValueError(f'{type(self).__name__} takes its classes from label_file ({len(class_names)} '
                             'classes); remove "classes" from the dataset config or make it equal')
        super().__init__(ann_file=ann_file, file_client_args=file_client_args, classes=class_names, **kwargs)
        self.image_level_ann_file = _join_root(data_root, image_level_ann_file)
        self.load_image_level_labels = load_image_level_labels
        self.get_supercategory, self.filter_labels = get_supercategory, filter_labels
        if get_supercategory:
            if hierarchy_file is None:
                raise ReadableKeyError(f'{type(self).__name__}: get_supercategory=True needs hierarchy_file')
            self.class_label_tree = self.get_relation_matrix(_join_root(data_root, hierarchy_file))
        else:  # each class its own (mmdet left the tree unset and failed in evaluate)
            self.class_label_tree = np.eye(len(self.CLASSES))
        self.get_metas, self.load_from_file = get_metas, load_from_file
        self.meta_file = _join_root(data_root, meta_file) if meta_file else meta_file

    def get_classes_from_csv(self, label_file: str) -> list[str]:
        """Class display names in file order; fills ``cat2label`` (LabelName → name) and ``index_dict``
        (LabelName → label)."""
        rows = _csv_rows(label_file, skip_header=False)
        for i, row in enumerate(rows):
            self.cat2label[row[0]] = row[1]
            self.index_dict[row[0]] = i
        return [row[1] for row in rows]

    def _label_of(self, label_name: str, where: str) -> int:
        if label_name not in self.index_dict:
            raise ReadableKeyError(f'{where}: LabelName {label_name!r} is not in the label_file\'s classes')
        return int(self.index_dict[label_name])

    def load_annotations(self, ann_file: str) -> list:
        """One ``dict(img_id, filename)`` per image (in order of first appearance); boxes in ``ann_infos``."""
        self.ann_infos = defaultdict(list)
        data_infos = []
        for row in _csv_rows(ann_file, skip_header=True):
            img_id = row[0]
            if img_id not in self.ann_infos:
                data_infos.append(dict(img_id=img_id, filename=f'{img_id}.jpg'))
            flags = {name: int(value) == 1 for name, value in zip(_FLAGS, row[8:13])}
            self.ann_infos[img_id].append(dict(
                bbox=[float(row[4]), float(row[6]), float(row[5]), float(row[7])],  # x/y min, x/y max
                label=self._label_of(row[2], ann_file), **flags))
        return data_infos

    def get_ann_info(self, idx: int) -> dict:
        """Normalised ``bboxes``, ``labels``, empty ignore boxes and the boxes' flags (``gt_is_group_ofs`` ...)."""
        objs = self.ann_infos[self.data_infos[idx]['img_id']]
        ann = dict(bboxes=np.array([o['bbox'] for o in objs], dtype=np.float32).reshape(-1, 4),
                   labels=np.array([o['label'] for o in objs], dtype=np.int64),
                   bboxes_ignore=np.zeros((0, 4), dtype=np.float32), labels_ignore=np.zeros((0, ), dtype=np.int64),
                   gt_is_group_ofs=np.array([o['is_group_of'] for o in objs], dtype=bool))
        for name in ('is_occluded', 'is_truncated', 'is_depiction', 'is_inside'):
            ann[name + 's'] = np.array([o[name] for o in objs], dtype=bool)
        return ann

    def get_cat_ids(self, idx: int) -> list[int]:
        return self.get_ann_info(idx)['labels'].tolist()

    def _filter_imgs(self, min_size: int = 32) -> list[int]:
        """No filtering (image sizes are not in the annotations), as mmdet."""
        if self.filter_empty_gt:
            warnings.warn('OpenImageDatasets does not support filtering empty gt images.')
        return list(range(len(self)))

    def _set_group_flag(self) -> None:
        self.flag = np.zeros(len(self), dtype=np.uint8)

    def get_relation_matrix(self, hierarchy_file: str) -> np.ndarray:
        """``(C, C)``: entry ``[c, p]`` is 1 when ``p`` is ``c`` or one of its ancestors."""
        with open(hierarchy_file) as f:
            hierarchy = json.load(f)
        tree = np.eye(len(self.CLASSES), len(self.CLASSES))
        self._mark_ancestors(hierarchy, tree, [], hierarchy_file)
        return tree

    def _mark_ancestors(self, node: dict, tree: np.ndarray, ancestors: list, where: str) -> None:
        for child in node.get('Subcategory', []):
            if 'LabelName' not in child:
                continue
            index = self._label_of(child['LabelName'], where)
            tree[index, ancestors] = 1
            self._mark_ancestors(child, tree, [index] + ancestors, where)

    def load_image_label_from_csv(self, image_level_ann_file: str) -> dict:
        """Image id → ``[dict(image_level_label, confidence)]`` (rows: ImageID, Source, LabelName, Confidence)."""
        items = defaultdict(list)
        for row in _csv_rows(image_level_ann_file, skip_header=True):
            items[row[0]].append(dict(image_level_label=self._label_of(row[2], image_level_ann_file),
                                      confidence=float(row[3])))
        return items

    def _image_id(self, idx: int) -> str:
        return self.data_infos[idx]['img_id']

    def get_image_level_ann(self, image_level_ann_file: str) -> list:
        """Per image ``dict(image_level_labels, confidences)`` (empty when the file lists none)."""
        items = self.load_image_label_from_csv(image_level_ann_file)
        out = []
        for idx in range(len(self)):
            rows = items.get(self._image_id(idx), [])
            out.append(dict(image_level_labels=np.array([r['image_level_label'] for r in rows], dtype=np.int64),
                            confidences=np.array([r['confidence'] for r in rows], dtype=np.float32)))
        return out

    def test_image_shapes(self) -> list:
        """``(h, w)`` of each image: from ``meta_file`` (checked against the images' order), else from the image
        files' headers."""
        if self.get_metas and self.load_from_file and self.meta_file:
            metas = load(self.meta_file)
            if len(metas) != len(self):
                raise ValueError(f'{self.meta_file} has {len(metas)} entries for {len(self)} images')
            for idx, meta in enumerate(metas):
                if osp.basename(meta['filename']) != osp.basename(self.data_infos[idx]['filename']):
                    raise ValueError(f'{self.meta_file}: entry {idx} is {meta["filename"]}, the data set\'s image '
                                     f'{idx} is {self.data_infos[idx]["filename"]}')
            return [tuple(meta['ori_shape'][:2]) for meta in metas]
        from PIL import Image
        shapes = []
        for info in self.data_infos:
            with Image.open(osp.join(self.img_prefix, info['filename'])) as img:
                shapes.append((img.height, img.width))
        return shapes

    def add_supercategory_ann(self, annotations: list) -> list:
        """Each box repeated for every ancestor class of its label."""
        out = []
        for ann in annotations:
            bboxes, labels, groups = [], [], []
            for bbox, label, group in zip(ann['bboxes'], ann['labels'], ann['gt_is_group_ofs']):
                for parent in np.flatnonzero(self.class_label_tree[label]):
                    bboxes.append(bbox)
                    labels.append(parent)
                    groups.append(group)
            out.append(dict(bboxes=np.array(bboxes, dtype=np.float32).reshape(-1, 4),
                            labels=np.array(labels, dtype=np.int64), bboxes_ignore=ann['bboxes_ignore'],
                            gt_is_group_ofs=np.array(groups, dtype=bool)))
        return out

    def process_results(self, det_results: list, annotations: list, image_level_annotations: list | None) -> list:
        """Copies of the detections with each class's detections also given to its ancestors that the image
        annotates or verifies, and (``filter_labels``) the classes it does not emptied."""
        processed = []
        for i, dets in enumerate(det_results):
            allowed = set(np.asarray(annotations[i]['labels']).tolist())
            if image_level_annotations is not None:
                allowed |= set(image_level_annotations[i]['image_level_labels'].tolist())
            new = list(dets)
            for cls in [c for c, d in enumerate(dets) if d.shape[0] != 0]:
                for parent in np.flatnonzero(self.class_label_tree[cls]):
                    if parent in allowed and parent != cls and self.get_supercategory:
                        new[parent] = np.concatenate((new[parent], dets[cls]))
                    elif parent not in allowed and self.filter_labels:
                        new[parent] = np.empty((0, 5), dtype=np.float32)
            processed.append(new)
        return processed

    def evaluate(self, results: list, metric='mAP', logger=None, iou_thr=0.5, ioa_thr=0.5, scale_ranges=None,
                 denorm_gt_bbox: bool = True, use_group_of: bool = True) -> OrderedDict:
        """``AP{iou}`` per (``iou_thr``, ``ioa_thr``) pair and their mean ``mAP``."""
        metrics = [metric] if isinstance(metric, str) else list(metric)
        if metrics != ['mAP']:
            raise ReadableKeyError(f'metric {metric} is not supported by {type(self).__name__}; use mAP')
        if len(results) != len(self):
            raise ValueError(f'{len(results)} results for {len(self)} images')
        annotations = [self.get_ann_info(i) for i in range(len(self))]
        image_level = (self.get_image_level_ann(self.image_level_ann_file) if self.load_image_level_labels
                       else None)
        if denorm_gt_bbox:
            for ann, (h, w) in zip(annotations, self.test_image_shapes()):
                ann['bboxes'][:, 0::2] *= w
                ann['bboxes'][:, 1::2] *= h
        if self.get_supercategory:
            annotations = self.add_supercategory_ann(annotations)
        results = self.process_results(results, annotations, image_level)
        iou_thrs = [iou_thr] if isinstance(iou_thr, float) else list(iou_thr)
        ioa_thrs = [ioa_thr] if isinstance(ioa_thr, float) or ioa_thr is None else list(ioa_thr)
        if len(iou_thrs) != len(ioa_thrs):
            raise ValueError(f'iou_thr and ioa_thr must pair up, got {iou_thrs} and {ioa_thrs}')
        dataset = {500: 'oid_challenge', 601: 'oid_v6'}.get(len(self.CLASSES), self.CLASSES)
        eval_results, mean_aps = OrderedDict(), []
        for iou, ioa in zip(iou_thrs, ioa_thrs):
            print_log(f'\n{"-" * 15}iou_thr, ioa_thr: {iou}, {ioa}{"-" * 15}')
            mean_ap, _ = eval_map(results, annotations, scale_ranges=scale_ranges, iou_thr=iou, ioa_thr=ioa,
                                  dataset=dataset, logger=logger, use_group_of=use_group_of)
            mean_aps.append(mean_ap)
            eval_results[f'AP{int(iou * 100):02d}'] = round(mean_ap, 3)
        eval_results['mAP'] = sum(mean_aps) / len(mean_aps)
        return eval_results


@DATASETS.register_module()
class OpenImagesChallengeDataset(OpenImagesDataset):
    """The Open Images 2019 challenge files: ``ann_file`` in mmdet's text format (per image: file name, a
    skipped line, the box count, then ``label x1 y1 x2 y2 is_group_of`` rows with labels from 1),
    ``label_file`` rows ``LabelName,DisplayName,LabelID``, ``hierarchy_file`` a NumPy ``.np`` relation matrix
    with a leading dummy class, image-level rows ``ImageID,LabelName,Confidence``."""

    def __init__(self, ann_file: str, **kwargs):
        if not ann_file.endswith('txt'):
            raise ValueError(f'OpenImagesChallengeDataset reads a .txt ann_file, got {ann_file}')
        super().__init__(ann_file=ann_file, **kwargs)

    def get_classes_from_csv(self, label_file: str) -> list[str]:
        rows = _csv_rows(label_file, skip_header=False)
        for row in rows:
            self.index_dict[row[0]] = int(row[2]) - 1
            self.cat2label[row[0]] = row[1]
        return [row[1] for row in sorted(rows, key=lambda row: int(row[2]))]

    def load_annotations(self, ann_file: str) -> list:
        with open(ann_file) as f:
            lines = f.readlines()
        self._anns, data_infos, i = [], [], 0
        while i < len(lines):
            filename = lines[i].rstrip()
            count = int(lines[i + 2])
            rows = [line.split() for line in lines[i + 3:i + 3 + count]]
            i += 3 + count
            data_infos.append(dict(filename=filename))
            self._anns.append(dict(
                bboxes=np.array([[float(v) for v in r[1:5]] for r in rows], dtype=np.float32).reshape(-1, 4),
                labels=np.array([int(r[0]) - 1 for r in rows], dtype=np.int64),
                bboxes_ignore=np.zeros((0, 4), dtype=np.float32),
                gt_is_group_ofs=np.array([int(r[5]) == 1 for r in rows], dtype=bool)))
        return data_infos

    def get_ann_info(self, idx: int) -> dict:
        return copy.deepcopy(self._anns[idx])

    def get_relation_matrix(self, hierarchy_file: str) -> np.ndarray:
        return np.load(hierarchy_file, allow_pickle=False)[1:, 1:]

    def load_image_label_from_csv(self, image_level_ann_file: str) -> dict:
        items = defaultdict(list)
        for row in _csv_rows(image_level_ann_file, skip_header=True):
            items[row[0]].append(dict(image_level_label=self._label_of(row[1], image_level_ann_file),
                                      confidence=float(row[2])))
        return items

    def _image_id(self, idx: int) -> str:
        return osp.splitext(osp.basename(self.data_infos[idx]['filename']))[0]

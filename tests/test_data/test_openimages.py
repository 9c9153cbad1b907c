"""Open Images datasets: annotations, hierarchy and evaluation equal to mmdet 2.28.2's on a synthetic set.

tests/data/openimages_toy/ was written by a script run with mmdet 2.28.2: 5 classes in a two-level hierarchy
(Animal > Dog, Cat; Vehicle > Car), 8 images with normalised boxes (~30 % group-of) in the v6 CSV layout and in
mmdet's challenge text layout, verified image-level labels, a meta pickle of the image sizes, and synthetic
detections (jittered true boxes, some with a parent's or a sibling's class, boxes inside group-of boxes, stray
boxes). mmdet2282_openimages_golden.json holds mmdet's classes, relation matrix, two images' annotations and
its evaluation results under several settings.
"""
import json
import os.path as osp

import numpy as np
import pytest

from mmlite.datasets import build_dataset

ROOT = osp.join(osp.dirname(__file__), '..', 'data', 'openimages_toy')
GOLDEN = json.load(open(osp.join(ROOT, 'mmdet2282_openimages_golden.json')))
V6 = dict(type='OpenImagesDataset', ann_file='annotations-bbox.csv', label_file='class-descriptions.csv',
          hierarchy_file='hierarchy.json', meta_file='metas.pkl', image_level_ann_file='image-labels.csv',
          data_root=ROOT + '/', pipeline=[], test_mode=True)


def _results():
    return [[np.array(d, dtype=np.float32).reshape(-1, 5) for d in img]
            for img in json.load(open(osp.join(ROOT, 'results.json')))]


def test_classes_hierarchy_and_annotations_match_mmdet():
    ds = build_dataset(V6)
    assert list(ds.CLASSES) == GOLDEN['classes'] and len(ds) == 8
    np.testing.assert_array_equal(ds.class_label_tree, GOLDEN['tree'])
    for i, theirs in enumerate(GOLDEN['ann_info']):
        ann = ds.get_ann_info(i)
        for key, value in theirs.items():
            np.testing.assert_allclose(np.asarray(ann[key], dtype=float).reshape(np.shape(value)), value, atol=1e-6)


@pytest.mark.parametrize('case', ['v6', 'v6_iou_list', 'v6_no_image_labels', 'v6_no_filter'])
def test_evaluation_matches_mmdet(case):
    expected = GOLDEN[case]
    results = _results()
    metrics = build_dataset(dict(V6, **expected['dataset_kwargs'])).evaluate(results, **expected['eval_kwargs'])
    assert metrics == pytest.approx(expected['metrics'], abs=1e-6)
    np.testing.assert_array_equal(results[0][0], _results()[0][0])  # the caller's detections are not modified


def test_challenge_format_matches_mmdet():
    ds = build_dataset(dict(type='OpenImagesChallengeDataset', ann_file='challenge-bbox.txt',
                            label_file='challenge-labels.csv', hierarchy_file='class_label_tree.np',
                            meta_file='metas.pkl', image_level_ann_file='challenge-image-labels.csv',
                            data_root=ROOT + '/', pipeline=[], test_mode=True))
    assert list(ds.CLASSES) == GOLDEN['challenge']['classes']
    assert ds.evaluate(_results()) == pytest.approx(GOLDEN['challenge']['metrics'], abs=1e-6)


def test_without_the_hierarchy_only_filtering_applies():
    """mmdet failed here (no relation matrix); each class stands alone, unverified classes are still dropped."""
    metrics = build_dataset(dict(V6, get_supercategory=False)).evaluate(_results())
    assert 0 < metrics['mAP'] <= 1


def test_image_sizes_come_from_the_files_without_a_meta_file(tmp_path):
    from PIL import Image
    ds = build_dataset(dict(V6, meta_file='', img_prefix=str(tmp_path)))
    for i, info in enumerate(ds.data_infos):
        Image.new('RGB', (100 + i, 50 + i)).save(tmp_path / info['filename'])
    assert ds.test_image_shapes()[:2] == [(50, 100), (51, 101)]


def test_clear_errors(tmp_path):
    with pytest.raises(ValueError, match='takes its classes from label_file'):
        build_dataset(dict(V6, classes=('a', 'b')))
    bad = tmp_path / 'bad.csv'
    bad.write_text(open(osp.join(ROOT, 'annotations-bbox.csv')).read().replace('/m/b', '/m/zzz'))
    with pytest.raises(KeyError, match="LabelName '/m/zzz' is not in the label_file"):
        build_dataset(dict(V6, ann_file=str(bad)))
    with pytest.raises(FileNotFoundError, match='missing.csv does not exist'):
        build_dataset(dict(V6, label_file='missing.csv'))


CAS = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_class_aware_sampler.json')))


class _Cat2Imgs:
    def __init__(self, cat2imgs: dict, length: int):
        self._cat2imgs, self._length = cat2imgs, length

    def get_cat2imgs(self):
        return self._cat2imgs

    def __len__(self):
        return self._length


@pytest.mark.parametrize('case', range(len(CAS['cases'])))
def test_class_aware_sampler_draws_what_mmdet_draws(case):
    """tests/data/mmdet2282_class_aware_sampler.json: mmdet 2.28.2's ClassAwareSampler on a 12-image, 5-class
    index (one class without images) for two epochs, one process and two or three."""
    from mmlite.datasets.samplers import ClassAwareSampler
    expected = CAS['cases'][case]
    sampler = ClassAwareSampler(_Cat2Imgs({int(k): v for k, v in CAS['cat2imgs'].items()}, 12), **expected['kwargs'])
    for epoch, indices in enumerate(expected['epochs']):
        sampler.set_epoch(epoch)
        assert [int(i) for i in sampler] == indices
    sampler.set_epoch(1)
    sampler.skip_next(3)  # resuming mid-epoch skips what was seen
    assert [int(i) for i in sampler] == expected['epochs'][1][3:]


def test_cas_config_builds_a_class_aware_loader():
    from mmlite.datasets import build_dataloader
    from mmlite.datasets.samplers import ClassAwareSampler
    ds = build_dataset(dict(V6, test_mode=False))
    loader = build_dataloader(ds, 2, 0, dist=False, seed=0, class_aware_sampler=dict(num_sample_class=1))
    assert isinstance(loader.sampler, ClassAwareSampler) and len(loader.sampler) == 8


def test_the_normed_bbox_spelling_of_mmdets_ssd_openimages_config_denormalises_with_a_warning():
    from mmlite.datasets.pipelines import LoadAnnotations
    with pytest.warns(UserWarning, match='normed_bbox.*denorm_bbox=True'):
        load = LoadAnnotations(with_bbox=True, normed_bbox=True)
    results = dict(img_shape=(100, 200, 3), bbox_fields=[], ann_info=dict(
        bboxes=np.array([[0.1, 0.2, 0.5, 1.0]], np.float32), labels=np.array([0])))
    np.testing.assert_allclose(load(results)['gt_bboxes'], [[20, 20, 100, 100]])


def test_get_image_metas_tool_writes_the_meta_file_evaluation_reads(tmp_path):
    import pickle
    import shutil

    from PIL import Image

    from mmlite.utils import Config
    from tests.test_tools.conftest import load_tool
    root = tmp_path / 'oi'
    shutil.copytree(ROOT, root)
    ds = build_dataset(dict(V6, data_root=str(root) + '/'))
    for i, info in enumerate(ds.data_infos):
        Image.new('RGB', (120 + i, 80 + i)).save(root / info['filename'])
    config = tmp_path / 'cfg.py'
    Config(dict(data=dict(test=dict(V6, data_root=str(root) + '/', img_prefix=str(root))))).dump(str(config))
    path = load_tool('tools/misc/get_image_metas.py').main([str(config), '--out', 'metas-new.pkl'])
    metas = pickle.load(open(path, 'rb'))
    assert path == str(root / 'metas-new.pkl') and [m['ori_shape'] for m in metas[:2]] == [(80, 120, 3), (81, 121, 3)]
    remeasured = build_dataset(dict(V6, data_root=str(root) + '/', meta_file='metas-new.pkl'))
    assert remeasured.test_image_shapes()[1] == (81, 121)

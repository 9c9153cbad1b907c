"""tools/misc/split_coco.py: the same splits as mmdet 2.28.2's tool (recorded below on the 40-image toy train
set, with empty licenses and an info record added)."""
import json

from mmlite.datasets import make_toy_coco

from .conftest import load_tool

# mmdet 2.28.2: split_coco(data_root, out_dir, percent, fold) for (10, 1), (25.0, 2), (50, 3)
MMDET = {'1@10': dict(labeled=[9, 10, 13, 38], n_unlabeled=36, n_lab_anns=9, n_unl_anns=73),
         '2@25.0': dict(labeled=[8, 9, 12, 16, 19, 22, 23, 32, 35], n_unlabeled=31, n_lab_anns=18, n_unl_anns=64),
         '3@50': dict(labeled=[1, 3, 4, 9, 11, 15, 18, 20, 21, 22, 23, 25, 27, 30, 33, 39, 40], n_unlabeled=23,
                      n_lab_anns=33, n_unl_anns=49)}


def test_same_splits_as_mmdet(tmp_path):
    root = make_toy_coco(str(tmp_path / 'toy'), num_train=40, num_val=2)
    data = json.load(open(f'{root}/annotations/instances_train.json'))
    data.update(licenses=[], info={'description': 'toy'})
    (tmp_path / 'coco' / 'annotations').mkdir(parents=True)
    json.dump(data, open(tmp_path / 'coco' / 'annotations' / 'instances_train2017.json', 'w'))
    tool = load_tool('tools/misc/split_coco.py')
    for key, expected in MMDET.items():
        fold, percent = key.split('@')
        labeled, unlabeled = tool.split_coco(str(tmp_path / 'coco'), str(tmp_path / 'out'),
                                             float(percent) if '.' in percent else int(percent), int(fold))
        assert labeled.endswith(f'instances_train2017.{key}.json')
        lab, unl = json.load(open(labeled)), json.load(open(unlabeled))
        assert [img['id'] for img in lab['images']] == expected['labeled']
        assert (len(unl['images']), len(lab['annotations']), len(unl['annotations'])) == (
            expected['n_unlabeled'], expected['n_lab_anns'], expected['n_unl_anns'])
        assert sorted(lab) == ['annotations', 'categories', 'images', 'info', 'licenses']
    files = tool.main(['--data-root', str(tmp_path / 'coco'), '--out-dir', str(tmp_path / 'cli'),
                       '--labeled-percent', '10', '--fold', '2'])
    names = [f[0].rsplit('/', 1)[1] for f in files]
    assert names == ['instances_train2017.1@10.0.json', 'instances_train2017.2@10.0.json']

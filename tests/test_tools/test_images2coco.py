"""tools/dataset_converters/images2coco.py: the same COCO json as mmdet 2.28.2's tool on the same folder (recorded
below; mmdet listed the images in directory order, ours are sorted), and CocoDataset reads it for inference."""
import json

from PIL import Image

from mmlite.datasets import CocoDataset

from .conftest import load_tool

# mmdet 2.28.2: python tools/dataset_converters/images2coco.py imgs classes.txt mmdet.json (in the folder below)
MMDET = {'type': 'instance', 'annotations': [],
         'categories': [{'supercategory': 'none', 'id': 0, 'name': 'cat'},
                        {'supercategory': 'none', 'id': 1, 'name': 'dog'}],
         'images': [{'id': 0, 'file_name': 'imgs/d.bmp', 'height': 9, 'width': 8},
                    {'id': 1, 'file_name': 'imgs/a.jpg', 'height': 20, 'width': 30},
                    {'id': 2, 'file_name': 'imgs/sub/c.jpg', 'height': 16, 'width': 16},
                    {'id': 3, 'file_name': 'imgs/b.png', 'height': 10, 'width': 40}]}


def _folder(root):
    (root / 'imgs' / 'sub').mkdir(parents=True)
    for name, size in (('imgs/a.jpg', (30, 20)), ('imgs/b.png', (40, 10)), ('imgs/sub/c.jpg', (16, 16)),
                       ('imgs/d.bmp', (8, 9))):
        Image.new('RGB', size).save(root / name)
    (root / 'imgs' / 'notes.txt').write_text('not an image')
    (root / 'classes.txt').write_text('cat\ndog\n')


def test_same_json_as_mmdet(tmp_path, monkeypatch):
    _folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    path = load_tool('tools/dataset_converters/images2coco.py').main(['imgs', 'classes.txt', 'out.json'])
    ours = json.load(open(path))
    assert {k: v for k, v in ours.items() if k != 'images'} == {k: v for k, v in MMDET.items() if k != 'images'}

    def key(image):
        return image['file_name'], image['height'], image['width']

    assert sorted(map(key, ours['images'])) == sorted(map(key, MMDET['images']))
    ds = CocoDataset(path, [], classes=('cat', 'dog'), test_mode=True)
    assert len(ds) == 4 and ds.data_infos[0]['filename'] == 'imgs/a.jpg'


def test_exclude_extensions(tmp_path, monkeypatch):
    """mmdet's tool failed with -e (it passed the list to str.endswith)."""
    _folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    path = load_tool('tools/dataset_converters/images2coco.py').main(['imgs', 'classes.txt', 'out.json', '-e', 'bmp',
                                                                      'PNG'])
    assert [image['file_name'] for image in json.load(open(path))['images']] == ['imgs/a.jpg', 'imgs/sub/c.jpg']

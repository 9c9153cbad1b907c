"""A tiny Cityscapes folder tree (leftImg8bit + gtFine instance/label id PNGs), deterministic; numpy and
Pillow only, so mmdet's converter can be run on the same tree."""
import os

import numpy as np
from PIL import Image

# (instance id, label id) regions per image: ids >= 1000 are instances (label id * 1000 + n), < 1000 crowds
REGIONS = [24001, 24002, 25001, 26001, 26002, 29001, 33, 26, 31001, 32001, 33001, 27001]


def make_cityscapes_tree(root: str, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    for split, cities in (('train', ('aachen', 'bonn')), ('val', ('lindau', )), ('test', ('berlin', ))):
        for city in cities:
            for frame in range(2):
                stem = f'{city}_{frame:06d}_000019'
                height, width = 40, 60
                instances = np.full((height, width), 7, np.int32)  # road (a stuff label id)
                instances[:8] = 23  # sky
                if split != 'test':  # test images come without instances
                    for value in rng.choice(REGIONS, size=int(rng.integers(2, 6)), replace=False):
                        x, y = int(rng.integers(0, width - 8)), int(rng.integers(8, height - 6))
                        w, h = int(rng.integers(3, 12)), int(rng.integers(3, 10))
                        instances[y:y + h, x:x + w] = value
                labels = np.where(instances >= 1000, instances // 1000, instances)
                for folder, name, array in (
                        ('leftImg8bit', f'{stem}_leftImg8bit.png', rng.integers(0, 255, (height, width, 3), np.uint8)),
                        ('gtFine', f'{stem}_gtFine_instanceIds.png', instances.astype(np.uint16)),
                        ('gtFine', f'{stem}_gtFine_labelIds.png', labels.astype(np.uint8))):
                    os.makedirs(os.path.join(root, folder, split, city), exist_ok=True)
                    Image.fromarray(array).save(os.path.join(root, folder, split, city, name))
    return root

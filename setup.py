"""Installs mmlite: `pip install -e .` (add `[tests]`, `[tb]` or `[plot]` for the extras)."""
import os.path as osp

from setuptools import find_packages, setup


def read_version() -> str:
    namespace: dict = {}
    with open(osp.join(osp.dirname(__file__), 'mmlite', 'version.py')) as f:
        exec(compile(f.read(), 'mmlite/version.py', 'exec'), namespace)
    return namespace['__version__']


def read_readme() -> str:
    with open(osp.join(osp.dirname(__file__), 'README.md'), encoding='utf-8') as f:
        return f.read()


INSTALL_REQUIRES = [
    'torch>=2.0',
    'torchvision>=0.15',
    'numpy',
    'addict',
    'yapf',
    'pyyaml',
    'pycocotools',
    'terminaltables',
]
EXTRAS = {
    'tb': ['tensorboard'],
    'plot': ['matplotlib'],
    'cityscapes': ['cityscapesscripts'],
}
EXTRAS['tests'] = ['pytest>=7', 'hypothesis'] + EXTRAS['tb'] + EXTRAS['plot']
EXTRAS['all'] = sorted({pkg for deps in EXTRAS.values() for pkg in deps})

setup(
    name='mmlite',
    version=read_version(),
    description='A legacy-compatible MMCV 1.x hook runner and mmdet 2.x '
    'detection training stack for modern PyTorch, in pure Python.',
    long_description=read_readme(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.8',
    packages=find_packages(include=('mmlite', 'mmlite.*')),
    package_data={'mmlite': ['core/evaluation/dataset_classes.json', 'datasets/lvis_classes.json',
                              'datasets/coco_panoptic_classes.json']},
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS,
    zip_safe=False,
    classifiers=[
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)

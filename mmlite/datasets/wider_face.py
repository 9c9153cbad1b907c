"""``WIDERFaceDataset``: WIDER FACE converted to Pascal VOC style XML."""
from __future__ import annotations

import os.path as osp

from ..core.evaluation.class_names import wider_face_classes
from ..utils import list_from_file
from .registry import DATASETS
from .xml_style import XMLDataset


@DATASETS.register_module()
class WIDERFaceDataset(XMLDataset):
    """WIDER FACE converted to VOC-style XML: ``ann_file`` lists image ids, ``<img_prefix>/Annotations/<id>.xml``
    describes each, and the image is ``<img_prefix>/<folder>/<id>.jpg`` with the XML's ``<folder>``."""

    CLASSES = tuple(wider_face_classes())
    PALETTE = [(0, 255, 0)]

    def load_annotations(self, ann_file: str) -> list:
        infos = []
        for img_id in list_from_file(ann_file):
            root = self._xml_root(img_id)
            size, folder = root.find('size'), root.find('folder')
            if size is None or folder is None:
                raise ValueError(f'{osp.join(self.img_prefix, self.ann_subdir, img_id)}.xml: expected <size> and '
                                 '<folder> elements (WIDER FACE converted to VOC style)')
            infos.append(dict(id=img_id, filename=osp.join(folder.text, f'{img_id}.jpg'),
                              width=int(size.find('width').text), height=int(size.find('height').text)))
        return infos

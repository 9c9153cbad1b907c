"""``mmcv.fileio`` names: file clients and (de)serialisation (``from mmlite.fileio import FileClient, load``)."""
from .utils.file_client import BaseStorageBackend, FileClient, HardDiskBackend, HTTPBackend
from .utils.fileio import dict_from_file, dump, list_from_file, load

__all__ = ['BaseStorageBackend', 'FileClient', 'HardDiskBackend', 'HTTPBackend', 'load', 'dump', 'list_from_file',
           'dict_from_file']

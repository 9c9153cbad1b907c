"""``mmcv.fileio`` names: file clients, (de)serialisation and format handlers
(``from mmlite.fileio import FileClient, load, register_handler``)."""
from ..utils.file_client import BaseStorageBackend, FileClient, HardDiskBackend, HTTPBackend
from ..utils.file_handlers import BaseFileHandler, JsonHandler, PickleHandler, YamlHandler, register_handler
from ..utils.fileio import dict_from_file, dump, list_from_file, load

__all__ = ['BaseStorageBackend', 'FileClient', 'HardDiskBackend', 'HTTPBackend', 'load', 'dump', 'list_from_file',
           'dict_from_file', 'BaseFileHandler', 'JsonHandler', 'PickleHandler', 'YamlHandler', 'register_handler']

import copy
import os.path as osp
import pickle

import pytest

from mmlite import Config, ConfigDict
from mmlite.utils.config import add_args

DATA = osp.join(osp.dirname(osp.dirname(__file__)), 'data', 'configs')
SIMPLE = {'item1': [1, 2], 'item2': {'a': 0}, 'item3': True, 'item4': 'test'}
CHILD = {'item1': [3], 'item2': {'a': 0, 'b': 1}, 'item3': True, 'item4': 'test', 'item5': 'child'}


def cfg_path(name):
    return osp.join(DATA, name)


@pytest.mark.parametrize('name', ['simple.py', 'simple.json', 'simple.yaml'])
def test_fromfile_each_format(name):
    cfg = Config.fromfile(cfg_path(name))
    assert cfg._cfg_dict.to_dict() == SIMPLE
    assert cfg.filename == cfg_path(name)
    assert cfg.text.startswith(cfg_path(name) + '\n')


def test_python_config_drops_modules_and_functions():
    cfg = Config.fromfile(cfg_path('simple.py'))
    assert 'osp' not in cfg and 'helper' not in cfg


@pytest.mark.parametrize('name', ['child.py', 'child.json', 'child.yaml'])
def test_base_inheritance_across_file_types(name):
    cfg = Config.fromfile(cfg_path(name))
    assert cfg._cfg_dict.to_dict() == CHILD


def test_recursive_base_chain_and_text():
    cfg = Config.fromfile(cfg_path('grandchild.py'))
    assert cfg.item2.to_dict() == {'a': 0, 'b': 1, 'c': 2}
    assert cfg.item5 == 'child'
    # the text holds each file of the chain, bases first
    order = [cfg.text.index(cfg_path(n)) for n in ('simple.json', 'child.yaml', 'grandchild.py')]
    assert order == sorted(order)


def test_list_of_bases_and_nested_merge():
    cfg = Config.fromfile(cfg_path('multi_base.py'))
    assert cfg.nested.to_dict() == {'x': 10, 'y': [1, 2]}
    assert cfg.extra == 5 and cfg.item4 == 'test'


def test_duplicate_keys_among_bases_name_both_files():
    with pytest.raises(KeyError) as info:
        Config.fromfile(cfg_path('duplicate_bases.py'))
    msg = str(info.value)
    assert "'item4'" in msg and 'simple.py' in msg and 'dup_one.py' in msg


def test_delete_key_replaces_instead_of_merging():
    cfg = Config.fromfile(cfg_path('delete.py'))
    assert cfg.nested.to_dict() == {'z': 3}
    assert cfg.item2.to_dict() == {'a': 0, 'b': 5}
    assert '_delete_' not in cfg.nested


def test_dict_over_non_dict_base_is_a_type_error():
    with pytest.raises(TypeError, match='item4.*_delete_=True'):
        Config.fromfile(cfg_path('not_a_dict_base.py'))


@pytest.mark.parametrize('name', ['predefined.py', 'predefined.yaml'])
def test_predefined_variables(name):
    cfg = Config.fromfile(cfg_path(name))
    assert cfg.dir_name == DATA.replace('\\', '/')
    assert cfg.stem == 'predefined'
    if name.endswith('.py'):
        assert cfg.base_name == 'predefined.py' and cfg.ext == '.py'
        assert cfg.work_dir == './work_dirs/predefined'


def test_predefined_variables_can_be_disabled():
    cfg = Config.fromfile(cfg_path('predefined.py'), use_predefined_variables=False)
    assert cfg.stem == '{{fileBasenameNoExtension}}'


def test_base_variable_references_nested_and_in_sequences():
    cfg = Config.fromfile(cfg_path('base_vars.py'))
    assert cfg.item5 == [1, 2]
    assert cfg.item6.to_dict() == {'x': 0, 'y': [1, 2]}
    assert cfg.item7 == ['test', (True, 5)]
    assert cfg.item8.to_dict() == {'a': 0}
    # a copy, not an alias of the base value
    cfg.item5.append(3)
    assert cfg.item1 == [1, 2]


def test_base_variable_references_in_json():
    cfg = Config.fromfile(cfg_path('base_vars.json'))
    assert cfg.item5 == [1, 2]
    assert cfg.item7[0] == 'test' and cfg.item7[1].k == 1


def test_syntax_error_names_file_and_line():
    with pytest.raises(SyntaxError) as info:
        Config.fromfile(cfg_path('syntax_error.py'))
    assert 'syntax_error.py' in str(info.value) and 'line 2' in str(info.value)
    assert info.value.lineno == 2 and info.value.filename.endswith('syntax_error.py')


def test_missing_file_and_bad_extension(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.py'):
        Config.fromfile(str(tmp_path / 'nope.py'))
    bad = tmp_path / 'cfg.txt'
    bad.write_text('a=1')
    with pytest.raises(OSError, match='py/yml/yaml/json'):
        Config.fromfile(str(bad))


def test_non_mapping_yaml_and_reserved_keys():
    with pytest.raises(TypeError, match='mapping'):
        Config.fromfile(cfg_path('list_top.yaml'))
    with pytest.raises(KeyError, match='reserved'):
        Config.fromfile(cfg_path('reserved.py'))


def test_custom_imports():
    import sys
    sys.modules.pop('json', None)
    cfg = Config.fromfile(cfg_path('custom_imports.py'))
    assert cfg.value == 1 and 'json' in sys.modules
    with pytest.raises(ImportError, match='no_such_module_xyz'):
        Config.fromfile(cfg_path('bad_custom_imports.py'))
    with pytest.warns(UserWarning, match='no_such_module_xyz'):
        Config.fromfile(cfg_path('allowed_failed_imports.py'))


def test_construct_and_errors():
    cfg = Config(dict(a=1, b=dict(c=[1, 2])), filename='x.py', cfg_text='a = 1')
    assert cfg.text == 'a = 1' and cfg.filename == 'x.py'
    assert isinstance(cfg.b, ConfigDict) and isinstance(cfg._cfg_dict, ConfigDict)
    assert len(Config()) == 0
    with pytest.raises(TypeError, match='must be a dict'):
        Config([1, 2])
    with pytest.raises(KeyError, match='reserved'):
        Config(dict(pretty_text=1))


def test_access_and_setting():
    cfg = Config(dict(a=1, b=dict(c=2)))
    assert cfg.a == cfg['a'] == cfg.get('a') == 1
    assert cfg.get('missing', 7) == 7
    cfg.d = dict(e=3)
    cfg['f'] = dict(g=4)
    assert isinstance(cfg.d, ConfigDict) and cfg.d.e == 3 and cfg.f.g == 4
    assert set(cfg) == {'a', 'b', 'd', 'f'} and len(cfg) == 4 and 'a' in cfg
    assert 'Config (path: None)' in repr(cfg)


def test_config_dict_missing_key_errors():
    cfg = Config(dict(model=dict(type='X')))
    with pytest.raises(AttributeError, match="no attribute 'backbone'"):
        cfg.model.backbone
    with pytest.raises(KeyError):
        cfg.model['backbone']
    with pytest.raises(AttributeError):
        cfg.nothing


def test_copy_deepcopy_pickle():
    cfg = Config.fromfile(cfg_path('child.py'))
    shallow = copy.copy(cfg)
    assert shallow._cfg_dict is cfg._cfg_dict
    deep = cfg.deepcopy()
    deep.item2.a = 99
    assert cfg.item2.a == 0 and deep.filename == cfg.filename and deep.text == cfg.text
    loaded = pickle.loads(pickle.dumps(cfg))
    assert loaded._cfg_dict == cfg._cfg_dict and loaded.filename == cfg.filename


def test_merge_from_dict_dotted_and_list_keys():
    cfg = Config(dict(data=dict(train=dict(pipeline=[dict(type='A'), dict(type='B', s=1)]))))
    original = cfg.deepcopy()
    cfg.merge_from_dict({'data.train.pipeline.1.s': (3, 4), 'data.samples_per_gpu': 2, 'new.key': 'v'})
    assert cfg.data.train.pipeline[1].s == (3, 4)
    assert cfg.data.train.pipeline[0].type == 'A'
    assert cfg.data.samples_per_gpu == 2 and cfg.new.key == 'v'
    assert original.data.train.pipeline[1].s == 1
    with pytest.raises(KeyError, match='Index 5|index 5'):
        cfg.merge_from_dict({'data.train.pipeline.5.s': 1})
    with pytest.raises(TypeError):
        cfg.merge_from_dict({'data.train.pipeline.0.s': 1}, allow_list_keys=False)


def test_merge_from_dict_replaces_whole_list():
    cfg = Config(dict(a=[1, 2, 3]))
    cfg.merge_from_dict({'a': [4]})
    assert cfg.a == [4]


@pytest.mark.parametrize('name', ['simple.py', 'base_vars.py', 'delete.py', 'child.yaml'])
def test_pretty_text_round_trips(name, tmp_path):
    cfg = Config.fromfile(cfg_path(name))
    text = cfg.pretty_text
    out = tmp_path / 'dumped.py'
    out.write_text(text)
    assert Config.fromfile(str(out))._cfg_dict == cfg._cfg_dict


def test_pretty_text_unusual_values(tmp_path):
    cfg = Config({'a': {'not an identifier': 1, 2: 'int key'}, 'b': (1, ), 'c': float('inf'),
                  'd': {'class': 1}, 'e': [None, True, 1.5, 'q\'uote']})
    path = tmp_path / 'x.py'
    cfg.dump(str(path))
    again = Config.fromfile(str(path))
    assert again._cfg_dict == cfg._cfg_dict


@pytest.mark.parametrize('ext', ['.py', '.json', '.yaml', '.yml'])
def test_dump_by_extension_round_trips(ext, tmp_path):
    cfg = Config.fromfile(cfg_path('multi_base.py'))
    path = tmp_path / f'dumped{ext}'
    assert cfg.dump(str(path)) is None
    assert Config.fromfile(str(path))._cfg_dict == cfg._cfg_dict


def test_dump_without_file_keeps_source_format():
    assert Config.fromfile(cfg_path('simple.json')).dump().lstrip().startswith('{')
    assert 'item1 = [1, 2]' in Config.fromfile(cfg_path('simple.py')).dump()
    assert 'item1:' in Config.fromfile(cfg_path('simple.yaml')).dump()


def test_fromstring():
    cfg = Config.fromstring('a = dict(b=1)\nc = [1]', '.py')
    assert cfg.a.b == 1 and cfg.c == [1]
    assert Config.fromstring('{"a": 2}', '.json').a == 2
    assert Config.fromstring('a: 3', '.yaml').a == 3
    with pytest.raises(OSError):
        Config.fromstring('a=1', '.txt')


def test_auto_argparser_helpers():
    import argparse
    parser = add_args(argparse.ArgumentParser(), {'lr': 0.1, 'name': 'x', 'flag': False,
                                                  'model': {'depth': 50}, 'scales': [1, 2]})
    args = parser.parse_args(['--lr', '0.5', '--model.depth', '18', '--flag', '--scales', '3', '4'])
    assert args.lr == 0.5 and getattr(args, 'model.depth') == 18 and args.flag
    assert args.scales == [3, 4]


def test_auto_argparser(monkeypatch):
    import sys
    monkeypatch.setattr(sys, 'argv', ['prog', cfg_path('simple.py'), '--item4', 'z'])
    parser, cfg = Config.auto_argparser()
    assert cfg.item4 == 'test'
    assert parser.parse_args().item4 == 'z'

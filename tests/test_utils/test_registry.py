import pytest

from mmlite import Registry, build_from_cfg


@pytest.fixture
def cats():
    return Registry('cat')


def test_register_as_decorator_and_call(cats):

    @cats.register_module()
    class BritishShorthair:

        def __init__(self, age=1):
            self.age = age

    class Munchkin:
        pass

    cats.register_module(module=Munchkin)
    cats.register_module(name=['Siamese', 'Thai'], module=Munchkin)

    @cats.register_module(name='LittleCat')
    def make_cat(age=0):
        return ('cat', age)

    assert cats.get('BritishShorthair') is BritishShorthair
    assert cats.get('Siamese') is Munchkin and cats.get('Thai') is Munchkin
    assert 'Munchkin' in cats and 'Persian' not in cats
    assert len(cats) == 5 and cats.name == 'cat'
    assert set(cats.module_dict) == {'BritishShorthair', 'Munchkin', 'Siamese', 'Thai', 'LittleCat'}
    assert 'Registry(name=cat' in repr(cats)
    assert cats.build(dict(type='LittleCat', age=3)) == ('cat', 3)


def test_legacy_class_argument(cats):

    class Sphynx:
        pass

    assert cats.register_module(Sphynx) is Sphynx
    assert cats.get('Sphynx') is Sphynx


def test_duplicate_registration_names_both_places(cats):

    @cats.register_module()
    class Tabby:
        pass

    class Tabby2:
        pass

    with pytest.raises(KeyError) as info:
        cats.register_module(name='Tabby', module=Tabby2)
    msg = str(info.value)
    assert 'Tabby is already registered in cat' in msg and 'Tabby2' in msg and 'force=True' in msg
    cats.register_module(name='Tabby', module=Tabby2, force=True)
    assert cats.get('Tabby') is Tabby2


def test_register_rejects_bad_arguments(cats):
    with pytest.raises(TypeError, match='force must be a boolean'):
        cats.register_module(force=1)
    with pytest.raises(TypeError, match='name must be'):
        cats.register_module(name=7)
    with pytest.raises(TypeError, match='class or a function'):
        cats.register_module(module=3)


def test_scope_inference_and_hierarchy():
    root = Registry('model')
    assert root.scope == 'tests'  # the top-level package of the creating module
    child = Registry('model', parent=root, scope='child')
    grandchild = Registry('model', parent=child, scope='grand')

    @root.register_module()
    class Base:
        pass

    @child.register_module()
    class InChild:
        pass

    @grandchild.register_module()
    class InGrand:
        pass

    assert root.children['child'] is child and child.children['grand'] is grandchild
    assert child.get('child.InChild') is InChild
    assert root.get('child.InChild') is InChild
    assert root.get('child.grand.InGrand') is InGrand
    assert grandchild.get('child.InChild') is InChild  # through the root
    assert child.get('InChild') is InChild
    assert child.get('Base') is Base  # unscoped names fall back to the parents
    assert root.get('InChild') is None
    assert child.build_func is root.build_func
    with pytest.raises(KeyError, match='already exists'):
        Registry('model', parent=root, scope='child')
    assert Registry.split_scope_key('a.b.C') == ('a', 'b.C')


def test_build_from_cfg_basics(cats):

    @cats.register_module()
    class Cat:

        def __init__(self, name, age=1):
            self.name, self.age = name, age

    cfg = dict(type='Cat', name='tom')
    obj = build_from_cfg(cfg, cats, default_args=dict(age=3, name='ignored'))
    assert (obj.name, obj.age) == ('tom', 3)
    assert cfg == dict(type='Cat', name='tom')  # the caller's dict is untouched
    assert build_from_cfg(dict(name='x'), cats, default_args=dict(type='Cat')).name == 'x'
    assert isinstance(build_from_cfg(dict(type=Cat, name='y'), cats), Cat)


def test_build_from_cfg_errors(cats):

    @cats.register_module()
    class CosineAnnealingCat:

        def __init__(self, lives):
            if lives > 9:
                raise ValueError('too many lives')

    with pytest.raises(TypeError, match='cfg must be a dict'):
        build_from_cfg([1], cats)
    with pytest.raises(KeyError, match='must contain the key "type".*lives'):
        build_from_cfg(dict(lives=1), cats)
    with pytest.raises(TypeError, match='registry must be'):
        build_from_cfg(dict(type='X'), 'cats')
    with pytest.raises(TypeError, match='default_args'):
        build_from_cfg(dict(type='X'), cats, default_args=[1])
    with pytest.raises(KeyError) as info:
        build_from_cfg(dict(type='CosineCat'), cats)
    assert "'CosineCat' is not in the cat registry" in str(info.value)
    assert "Did you mean 'CosineAnnealingCat'" in str(info.value)
    with pytest.raises(TypeError, match='type must be a str'):
        build_from_cfg(dict(type=3), cats)
    with pytest.raises(ValueError) as info:
        build_from_cfg(dict(type='CosineAnnealingCat', lives=10), cats)
    assert 'CosineAnnealingCat' in str(info.value) and 'too many lives' in str(info.value)
    assert "'lives': 10" in str(info.value)
    assert isinstance(info.value.__cause__, ValueError)  # original chained
    with pytest.raises(TypeError, match='CosineAnnealingCat.*unexpected keyword'):
        build_from_cfg(dict(type='CosineAnnealingCat', lives=1, paws=4), cats)


def test_exception_with_unusual_constructor_is_reraised_unchanged(cats):

    class Odd(Exception):

        def __init__(self, a, b):
            super().__init__(a, b)

    @cats.register_module()
    class Raiser:

        def __init__(self):
            raise Odd(1, 2)

    with pytest.raises(Odd):
        build_from_cfg(dict(type='Raiser'), cats)


def test_unknown_name_lists_registered_when_nothing_close(cats):

    @cats.register_module()
    class Alpha:
        pass

    with pytest.raises(KeyError, match='Registered: Alpha'):
        build_from_cfg(dict(type='Zzzzzz'), cats)


def test_nested_build_errors_name_each_level_briefly(cats):
    @cats.register_module()
    class Leaf:
        def __init__(self, size=1):
            self.size = size

    @cats.register_module()
    class Tree:
        def __init__(self, leaf, notes=None):
            self.leaf = build_from_cfg(leaf, cats)

    notes = dict(text='x' * 100)
    with pytest.raises(TypeError) as info:
        build_from_cfg(dict(type='Tree', leaf=dict(type='Leaf', sise=3), notes=notes), cats)
    message = str(info.value)
    assert message.startswith("Tree (built from {'type': 'Tree', 'leaf': {'type': 'Leaf', 'sise': 3}, "
                              "'notes': {...}}): Leaf (built from {'type': 'Leaf', 'sise': 3}): ")
    assert "unexpected keyword argument 'sise'" in message and 'xxxx' not in message  # long values elided

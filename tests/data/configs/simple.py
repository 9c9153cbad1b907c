import os.path as osp  # modules are dropped from the resolved config

item1 = [1, 2]
item2 = dict(a=0)
item3 = True
item4 = 'test'


def helper(x):  # functions are dropped too
    return x

_base_ = ['./simple.py', './base_extra.yaml']
nested = dict(x=10)

_base_ = './simple.py'
item4 = dict(a=1)

_base_ = './simple.py'
item1 = [3]
item2 = dict(b=1)
item5 = 'child'

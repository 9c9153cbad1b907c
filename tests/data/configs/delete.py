_base_ = './multi_base.py'
nested = dict(_delete_=True, z=3)
item2 = dict(b=5)

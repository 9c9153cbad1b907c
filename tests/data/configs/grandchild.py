_base_ = './child.yaml'
item2 = dict(c=2)

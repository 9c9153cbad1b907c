_base_ = ['./simple.py', './base_extra.yaml']
item5 = {{ _base_.item1 }}
item6 = dict(x={{ _base_.item2.a }}, y={{_base_.nested.y}})
item7 = [{{ _base_.item4 }}, ({{ _base_.item3 }}, {{ _base_.extra }})]
item8 = {{ _base_.item2 }}

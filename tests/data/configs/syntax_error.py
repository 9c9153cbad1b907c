a = dict(x=1)
b = dict(y=2
c = 3

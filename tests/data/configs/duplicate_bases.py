_base_ = ['./simple.py', './dup_one.py']

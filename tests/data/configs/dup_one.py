item4 = 'first'

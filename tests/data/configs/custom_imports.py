custom_imports = dict(imports=['os.path', 'json'], allow_failed_imports=False)
value = 1

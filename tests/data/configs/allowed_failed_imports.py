custom_imports = dict(imports=['no_such_module_xyz'], allow_failed_imports=True)

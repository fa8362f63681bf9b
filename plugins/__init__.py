"""Built-in ercbench plugins, loaded through the `ercbench` entry-point group like any other."""

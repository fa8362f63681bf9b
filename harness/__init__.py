"""ercbench core: data types, interfaces, plugin loading, pipeline, metrics, results, CLI."""

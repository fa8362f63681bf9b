"""The run stages: pipeline, parsing, metrics, sweeps and training through the registry."""

"""The run stages: pipeline, parsing, metrics and their bootstrap intervals, sweeps, training, distributed runs."""

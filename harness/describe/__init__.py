"""`ercbench describe`: descriptions of each utterance's video clip, made by a describer plugin, resumable."""

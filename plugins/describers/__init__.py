"""Built-in describers: turn utterances' video clips into text descriptions (`ercbench describe`)."""

"""ercbench core: contracts (types, interfaces, hooks), plugin discovery, and the stages in subpackages."""

"""The model and its one batch path: inputs to units, units to labelled results."""

"""The command line's commands, one module per area; contingency.cli wires them together."""

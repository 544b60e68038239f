"""Agent targets: the agent table, renderers per file format, manifests and JSONC merging."""

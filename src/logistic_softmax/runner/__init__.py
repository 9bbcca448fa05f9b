"""The machinery that runs notebooks: inputs, plans, kernels, execution, rendering, records, the index, sweeps, the
command line. Never imported by a notebook."""

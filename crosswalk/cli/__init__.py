"""The command line: a thin click layer (main) over the Python API, with one error boundary."""

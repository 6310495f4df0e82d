"""The mapping language: step files and their rules (spec), paths (pointer), the format registry and version
graph (formats, graph), the generated guide (docs) and the scaffold for a new version (scaffold)."""

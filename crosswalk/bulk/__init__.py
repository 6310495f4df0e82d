"""Whole catalogs: file trees (tree), their inputs and outputs, ndjson, geoparquet and pgstac, the progress bar."""

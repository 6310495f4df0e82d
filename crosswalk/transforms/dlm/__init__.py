"""Transforms for the two dlm layouts: to MLM (up) and back from MLM (down)."""

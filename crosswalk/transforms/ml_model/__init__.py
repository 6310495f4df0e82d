"""Transforms for ml-model 1.0.0 to MLM (up)."""

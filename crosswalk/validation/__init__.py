"""Offline validation against the vendored schemas (validator) and the dlm schemas crosswalk writes itself."""

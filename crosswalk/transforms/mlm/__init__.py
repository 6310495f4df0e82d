"""Transforms between MLM versions and the MLM helpers other families share: up to newer, down to older."""

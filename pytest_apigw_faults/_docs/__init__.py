"""Generated documentation: the README's scenario and retry-guidance tables."""

"""Generated documentation: the README's scenario, argument and retry-guidance tables."""

"""The Lambda side: routes, events, the Python runtime and the translation of
results. Imports only the gateway model."""

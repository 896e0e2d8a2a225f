"""The declared arguments, options, ``Fault`` and ``Call``, the runtime, the
clock and URL matching."""

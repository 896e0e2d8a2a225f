"""The pytest surface: fixture, assertions, report, matrix."""

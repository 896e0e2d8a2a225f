"""One module per HTTP client, each behind the small adapter protocol."""

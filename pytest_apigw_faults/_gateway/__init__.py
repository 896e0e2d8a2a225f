"""The gateway model: the scenario table, limits, the wire, gateway responses,
access logs and classification. No HTTP client, no pytest."""

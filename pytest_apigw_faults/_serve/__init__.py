"""The loopback gateway server and the command line."""

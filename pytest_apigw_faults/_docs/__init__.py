"""Generated documentation: the scenario, argument and retry-guidance tables of
the site's pages (``docs/``) and the README's compact scenario table."""

#: Where the documentation site lives: the README links here, and only here.
DOCS_URL = "https://pytest-apigw-faults.readthedocs.io/en/latest/"

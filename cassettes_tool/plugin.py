"""pytest plugin entry point (``pytest11``: ``cassettes``). Being built in issue 3."""

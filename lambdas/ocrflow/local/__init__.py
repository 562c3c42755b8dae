"""Local runs: the production ASL with the production handlers, on a laptop."""

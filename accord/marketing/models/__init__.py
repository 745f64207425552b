"""Marketing's records. Each part of marketing keeps its models in its own module here, imported below."""

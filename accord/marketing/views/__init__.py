"""Views of the marketing screens."""

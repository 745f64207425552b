"""Marketing's records. Each part of marketing keeps its models in its own module here, imported below."""

from accord.marketing.models.greetings import Greeting, GreetingChannel, GreetingRule, Occasion

__all__ = ["Greeting", "GreetingChannel", "GreetingRule", "Occasion"]

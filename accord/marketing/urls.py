"""URLs of the marketing screens."""

from django.urls import URLPattern, URLResolver

app_name = "marketing"

urlpatterns: list[URLPattern | URLResolver] = []

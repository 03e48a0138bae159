"""Public pages about strikes."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .selectors import strikes_for_overview


def home(request: HttpRequest) -> HttpResponse:
    """What is happening: strikes now, coming up and past, as the public may know them."""
    return render(request, "home.jinja", {"strikes": strikes_for_overview(now=timezone.now())})

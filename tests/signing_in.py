"""Signing a test client in through the real sign-in page.

``client.login()`` calls ``authenticate()`` without a request, which django-axes refuses;
posting the form also exercises what staff actually do. ``force_login`` stays right for
tests about something other than signing in.
"""

from django.test import Client
from django.urls import reverse


def sign_in(client: Client, username: str, password: str) -> None:
    response = client.post(reverse("sign_in"), {"username": username, "password": password})
    assert response.status_code == 302, f"{username} could not sign in"

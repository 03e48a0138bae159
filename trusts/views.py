"""Staff sign-in and sign-out.

django-axes counts failed sign-ins (here and on the admin's login, which share the
authentication backends) and ``locked_out`` answers once a username has failed too often
from one address. The page never says whether the username exists.
"""

import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from appointments.status_check.client_address import UNKNOWN, client_address


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Enter a correct username and password. Both are case-sensitive. After "
            "%(limit)s wrong tries from one place you will have to wait %(minutes)s minutes."
        ),
        "inactive": _("This account has been switched off. Ask your trust's administrator."),
    }

    def get_invalid_login_error(self):  # type: ignore[no-untyped-def]
        error = super().get_invalid_login_error()
        error.params = {**(error.params or {}), **_limits()}
        return error


def _limits() -> dict[str, int]:
    return {
        "limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }


class SignInView(LoginView):
    form_class = SignInForm
    template_name = "accounts/sign_in.jinja"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context["form"]
        errors = [{"text": message, "href": "#username"} for message in form.non_field_errors()]
        if form.errors.get("username"):
            errors.append({"text": _("Enter your username"), "href": "#username"})
        if form.errors.get("password"):
            errors.append({"text": _("Enter your password"), "href": "#password"})
        title = _("Sign in")
        context.update(errors=errors, page_title=f"{_('Error: ')}{title}" if errors else title)
        return context


sign_in = SignInView.as_view()


@never_cache
@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """GET asks (a link can sit in the header without a form and its CSRF token); POST
    signs out."""
    if request.method == "POST":
        logout(request)
        return redirect("sign_in")
    if not request.user.is_authenticated:
        return redirect("sign_in")
    return render(request, "accounts/sign_out.jinja", {"page_title": _("Sign out")})


def locked_out(
    request: HttpRequest, credentials: dict | None = None, *args, **kwargs
) -> HttpResponse:
    """django-axes' answer to a sign-in from a locked-out username and address."""
    response = render(
        request,
        "accounts/locked_out.jinja",
        {"page_title": _("Too many tries"), **_limits()},
        status=429,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


def sign_in_address(request: HttpRequest) -> str:
    """The address django-axes counts: the patient page's reading of the proxies, as a
    plain address (an IPv6 client counts per /64, stored as the network's address)."""
    address = client_address(request)
    if address == UNKNOWN:  # axes stores an IP address field; all unknowns share one
        return "0.0.0.0"  # noqa: S104 - a stored value, not a socket to bind
    if "/" in address:
        return str(ipaddress.ip_network(address, strict=False).network_address)
    return address

"""The product's URLs, and one view that does nothing: the same gunicorn serving it shows
what Django and the middleware cost on this machine, so the status page's figures can be
read as a share of the most any Django view could do here."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial, name="bench_trivial"), *product_urlpatterns]

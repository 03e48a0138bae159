from django.urls import path

from . import team, views

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    *team.urlpatterns,
]

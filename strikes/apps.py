from django.apps import AppConfig


class StrikesConfig(AppConfig):
    name = "strikes"

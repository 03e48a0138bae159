"""Pages must render under the production static storage, which refuses unknown paths."""

import pytest
from django.core.management import call_command
from django.test import override_settings


@pytest.mark.slow
@pytest.mark.django_db
def test_home_page_renders_with_the_manifest_static_storage(client, tmp_path, settings):
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages, WHITENOISE_USE_FINDERS=False):
        call_command("collectstatic", interactive=False, verbosity=0)
        response = client.get("/")

    assert response.status_code == 200
    # Hashed names prove the manifest was used for the stylesheet.
    assert "nhsuk-frontend.min." in response.text
    assert "/static/vendor/nhsuk-frontend/assets/images/favicon.ico" in response.text

"""REST API for trusts, their sites, and the service catalogue."""

urlpatterns: list = []

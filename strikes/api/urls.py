from . import operations, records

urlpatterns = records.urlpatterns + operations.urlpatterns

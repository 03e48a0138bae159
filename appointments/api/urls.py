from . import bookings, imports, notices

urlpatterns = imports.urlpatterns + bookings.urlpatterns + notices.urlpatterns

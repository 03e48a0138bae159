"""The staff dashboard's booking pages: a strike's worklist and notices, the backlog."""

from . import backlog, notices, worklist

urlpatterns = worklist.urlpatterns + notices.urlpatterns + backlog.urlpatterns

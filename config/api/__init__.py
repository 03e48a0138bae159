"""The REST API's shared machinery: error shape, pagination, permissions, schema, routes.

Each app owns its endpoints (``trusts/api.py``, ``strikes/api/``, ``appointments/api/``,
``appointments/fhir/``); this package holds what they have in common, so every endpoint
answers errors, pages and refusals the same way. ADR 005 explains the choices.
"""

"""The OpenAPI schema's shared parts: every operation documents the error shape."""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from .errors import ErrorsSerializer

ERROR_DESCRIPTIONS = {
    "400": "Bad input: each error names the field at fault.",
    "401": "No valid token or session.",
    "403": "Signed in, but your role does not allow this.",
    "404": "No such record among your trusts' records.",
    "409": "The record's state refuses this (e.g. a strike already called off).",
}


class StrikeDeskAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_DESCRIPTIONS.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorsSerializer, description=description), code
                )
        return responses

"""JSON rendered as ``application/fhir+json``, whichever JSON flavour the client accepts."""

from rest_framework.renderers import JSONRenderer

from .systems import FHIR_MEDIA_TYPE


class FHIRJSONRenderer(JSONRenderer):
    media_type = FHIR_MEDIA_TYPE
    format = "fhir+json"
    # FHIR asks for the charset to be stated; DRF's JSON renderer leaves it out.
    charset = "utf-8"


class PlainJSONRenderer(FHIRJSONRenderer):
    """Lets ``Accept: application/json`` through negotiation; the view still answers in
    ``application/fhir+json``, which is the same JSON."""

    media_type = "application/json"
    format = "json"


class LegacyFHIRJSONRenderer(FHIRJSONRenderer):
    """The media type of FHIR DSTU2, still sent by some clients."""

    media_type = "application/json+fhir"
    format = "json+fhir"


RENDERERS = [FHIRJSONRenderer, PlainJSONRenderer, LegacyFHIRJSONRenderer]
CONTENT_TYPE = f"{FHIR_MEDIA_TYPE}; charset=utf-8"

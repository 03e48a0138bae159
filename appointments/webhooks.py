"""Endpoints providers call: GOV.UK Notify's delivery receipts.

Notify proves who it is with the bearer token we gave it when the callback was set up
(``NOTIFY_CALLBACK_TOKEN``); there is no session, so no CSRF token either. The view
checks the request's shape and hands the receipt to ``notify_receipt_record``.

Nothing here logs or echoes the request body: a receipt carries the patient's phone
number or email address in ``to``.
"""

import hmac
import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from .notices.receipts import (
    ReceiptForUnknownNotice,
    ReceiptMalformed,
    ReceiptMismatch,
    ReceiptRefused,
    notify_receipt_record,
)

REFUSAL_STATUS: dict[type[ReceiptRefused], int] = {
    ReceiptMalformed: 400,
    ReceiptForUnknownNotice: 404,
    ReceiptMismatch: 409,
}


def _error(status: int, message: str, **headers: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status, headers=headers)


def _bearer_matches(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    # As bytes: compare_digest refuses str with characters outside ASCII, and a header
    # may carry anything.
    return hmac.compare_digest(given.strip().encode(), token.encode())


@csrf_exempt
def notify_receipt(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return _error(405, "Only POST is allowed.", Allow="POST")
    token = settings.NOTIFY_CALLBACK_TOKEN
    if not token:
        # Without a token anyone could mark notices delivered: refuse until one is set.
        return _error(403, "Notify receipts are not configured here (NOTIFY_CALLBACK_TOKEN).")
    if not _bearer_matches(request, token):
        return _error(401, "A valid bearer token is required.", **{"WWW-Authenticate": "Bearer"})
    try:
        payload = json.loads(request.body)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return _error(400, "The body must be JSON.")
    try:
        outcome = notify_receipt_record(payload=payload)
    except ReceiptRefused as refusal:
        return _error(REFUSAL_STATUS.get(type(refusal), 400), str(refusal))
    return JsonResponse({"notice": outcome.notice_id, "status": outcome.status})


urlpatterns = [
    path("notices/callbacks/notify/", notify_receipt, name="notify_receipt"),
]

"""Patient notices: who is owed which message, how it is sent, and what staff see.

- ``generation``: create the notices owed, set-based and idempotent.
- ``channels``: each patient's channel (preferred, then SMS, email, letter, phone).
- ``messages``: the words of each message.
- ``backends``: the outbox and GOV.UK Notify behind one interface.
- ``dispatch``: claim, send, record, retry, sweep.
- ``by_hand``: letters printed in house and the phone call list.
- ``receipts``: delivery receipts from the provider.
- ``progress``: counts for staff and integrations.
"""

from .dispatch import (
    DispatchResult,
    channels_sent_by_backend,
    notices_claim,
    notices_dispatch,
    notices_sweep_stuck,
)
from .generation import (
    GenerationResult,
    NoticesRefused,
    notice_window_opens,
    notices_generate,
    notices_withdraw_untrue,
)

__all__ = [
    "DispatchResult",
    "GenerationResult",
    "NoticesRefused",
    "channels_sent_by_backend",
    "notice_window_opens",
    "notices_claim",
    "notices_dispatch",
    "notices_generate",
    "notices_sweep_stuck",
    "notices_withdraw_untrue",
]

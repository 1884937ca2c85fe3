"""A test client whose requests finish as real ones do.

Mail is enqueued with `transaction.on_commit`. A test runs inside a transaction that never
commits, so with the plain client no mail would ever go. Each request through this client runs
the callbacks it registered once it is answered, as a committed request would; callbacks of a
transaction that rolled back are dropped, as in production.
"""

from django.test import Client, TestCase


class CommittingClient(Client):
    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)

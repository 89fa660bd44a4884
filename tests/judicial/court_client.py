"""A test client that signs every request with a court's API key, as a court's system does."""

import secrets
import time

from rest_framework.test import APIClient

from judicial.services import credentials


class CourtClient(APIClient):
    def __init__(self, credential, secret, **defaults):
        super().__init__(**defaults)
        self.credential, self.secret = credential, secret

    def generic(self, method, path, data="", content_type="application/octet-stream", secure=False, **extra):
        body = data.encode() if isinstance(data, str) else (data or b"")
        stamp, nonce = str(int(time.time())), secrets.token_hex(12)
        signature = credentials.sign(self.secret, timestamp=stamp, nonce=nonce, method=method, path=path, body=body)
        extra.update(HTTP_X_COURT_KEY=self.credential.key_id, HTTP_X_COURT_TIMESTAMP=stamp, HTTP_X_COURT_NONCE=nonce,
                     HTTP_X_COURT_SIGNATURE=signature)
        return super().generic(method, path, body, content_type, secure, **extra)

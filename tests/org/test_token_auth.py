"""API tokens: a token seen valid is trusted for a few seconds without a lookup, but it
still expires on time, and a deactivated user is refused once the recheck comes due."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from hotline.org import api as org_api
from hotline.org.models import ApiToken

pytestmark = pytest.mark.django_db


def _me(client: Any, token: str) -> int:
    return int(client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code)


def test_a_remembered_token_still_expires_on_time(org: Any, client: Any) -> None:
    token = ApiToken.issue(org.operator)
    assert _me(client, token) == 200
    expires = ApiToken.objects.get(digest=ApiToken.digest_of(token)).expires_at
    with time_machine.travel(expires + timedelta(seconds=1)):
        assert timezone.now() > expires
        assert _me(client, token) == 401


def test_a_deactivated_user_is_refused_at_the_next_recheck(
    org: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = ApiToken.issue(org.dispatcher)
    assert _me(client, token) == 200
    org.dispatcher.is_active = False
    org.dispatcher.save(update_fields=["is_active"])
    monkeypatch.setattr(org_api, "RECHECK_SECONDS", 0.0)  # the recheck is due now
    assert _me(client, token) == 401
    assert _me(client, "not-a-token") == 401

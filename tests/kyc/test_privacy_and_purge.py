"""Images are dropped after the retention period by `superapp kyc purge`; blacklisting from the CLI."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from kyc.models import KycBlacklistEntry, KycImage
from tests.kyc.journey import Applicant


async def superapp(environ, *argv) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "superapp"), *argv,
        env={**os.environ, **environ}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode, output.decode()


async def test_purge_drops_images_past_retention_and_keeps_the_rest(gql, sign_in, engines, environ, runtime):
    applicant = Applicant(gql, await sign_in("13900000021"), engines)
    await applicant.documents()
    old, recent = await KycImage.all().order_by("id")
    await KycImage.filter(id=old.id).update(created_at=datetime.now(timezone.utc) - timedelta(days=31))

    code, output = await superapp(environ, "kyc", "purge")

    assert code == 0, output
    assert "purged 1 images older than 30 days" in output
    old, recent = await KycImage.all().order_by("id")
    assert old.ciphertext is None and old.purged_at is not None
    assert recent.ciphertext is not None and recent.purged_at is None
    # The reading itself (encrypted) stays: the decision and the audit trail remain explainable.
    assert (await applicant.status())["maskedIdNumber"].endswith(applicant.card.number[-4:])


async def test_blacklist_from_the_cli_stores_only_a_blind_index(environ, runtime):
    number = "11010519491231002X"
    code, output = await superapp(environ, "kyc", "blacklist", number, "--reason", "reported stolen")
    assert code == 0 and "blacklisted 110105********002X" in output and number not in output
    entry = await KycBlacklistEntry.get()
    assert entry.id_index == runtime.cipher.blind_index(number, purpose="id_number") and number not in str(entry.__dict__)
    code, output = await superapp(environ, "kyc", "blacklist", "110105194912310021", "--reason", "x")
    assert code == 2 and "valid 18-character ID number" in output

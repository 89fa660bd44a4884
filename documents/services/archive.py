"""The electronic archive (DOMAIN.md §7.5): every issued document is appended with the SHA-256 of its bytes, and
each record's hash covers the previous record's hash, so a changed byte, a changed field or a missing record
breaks the chain at that point. The sequence number comes from a row-locked counter (core.numbering), which
serialises appends and remembers the last number, so a removed last record is found too."""

import datetime
import hashlib

from django.db import transaction
from django.utils import timezone

from core import numbering
from documents.models import ArchiveRecord

GENESIS = "0" * 64
SEQUENCE = "document_archive"


def record_hash(*, seq, kind, reference, sha256, prev_hash, created_at: datetime.datetime) -> str:
    stamp = created_at.astimezone(datetime.UTC).isoformat()
    text = "|".join([str(seq), kind, reference, sha256, prev_hash, stamp])
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def append(*, kind: str, reference: str, content: bytes) -> ArchiveRecord:
    """Archive ``content`` (the exact bytes handed out) as the next record of the chain."""
    seq = numbering.reserve(SEQUENCE)  # locks the counter row until the transaction ends
    prev = ArchiveRecord.objects.filter(seq=seq - 1).values_list("record_hash", flat=True).first() or GENESIS
    digest = hashlib.sha256(content).hexdigest()
    now = timezone.now()
    return ArchiveRecord.objects.create(
        seq=seq, kind=kind, reference=reference, content=content, size=len(content), sha256=digest, prev_hash=prev,
        record_hash=record_hash(seq=seq, kind=kind, reference=reference, sha256=digest, prev_hash=prev,
                                created_at=now),
        created_at=now)


def verify_chain(*, chunk=500) -> dict:
    """Walk the archive in order. ``{"ok": True, "count": n}`` or ``{"ok": False, "count": n, "seq": s,
    "problem": text}`` for the first record found altered or missing (read in chunks, content streamed)."""
    expected_seq, prev = 1, GENESIS
    count = 0
    last_seq = 0
    while True:
        rows = list(ArchiveRecord.objects.filter(seq__gt=last_seq).order_by("seq")
                    .values_list("seq", "kind", "reference", "content", "size", "sha256", "prev_hash",
                                 "record_hash", "created_at")[:chunk])
        if not rows:
            issued = last_issued()
            if issued > last_seq:
                return {"ok": False, "count": count, "seq": last_seq + 1,
                        "problem": f"record #{last_seq + 1} is missing (the archive issued up to #{issued})"}
            return {"ok": True, "count": count}
        for seq, kind, reference, content, size, sha256, prev_hash, rec_hash, created_at in rows:
            if seq != expected_seq:
                return {"ok": False, "count": count, "seq": expected_seq,
                        "problem": f"record #{expected_seq} is missing (next found: #{seq})"}
            content = bytes(content)
            if len(content) != size or hashlib.sha256(content).hexdigest() != sha256:
                return {"ok": False, "count": count, "seq": seq,
                        "problem": f"record #{seq} ({kind} {reference}): the stored document was altered"}
            if prev_hash != prev:
                return {"ok": False, "count": count, "seq": seq,
                        "problem": f"record #{seq} ({kind} {reference}): the link to the previous record is broken"}
            if record_hash(seq=seq, kind=kind, reference=reference, sha256=sha256, prev_hash=prev_hash,
                           created_at=created_at) != rec_hash:
                return {"ok": False, "count": count, "seq": seq,
                        "problem": f"record #{seq} ({kind} {reference}): the record was altered"}
            prev, expected_seq, last_seq = rec_hash, seq + 1, seq
            count += 1


def last_issued() -> int:
    """The last sequence number the archive handed out."""
    from core.models import NumberSequence

    return NumberSequence.objects.filter(name=SEQUENCE).values_list("last_value", flat=True).first() or 0

"""Account numbers: branch + sequence + ISO 7064 MOD 11-2 check character. Never reused."""

from django.db import transaction

from core.identity import mod11_2_check_char

PERSONAL = "personal_account"
EMPLOYER = "employer_account"
LAYOUT = {PERSONAL: ("1", 9), EMPLOYER: ("8", 7)}  # leading digit, sequence width


@transaction.atomic
def reserve(name: str, count: int = 1) -> int:
    """Reserve ``count`` consecutive values; return the first. Row-locked, so concurrent callers never overlap."""
    from core.models import NumberSequence

    NumberSequence.objects.get_or_create(name=name)
    seq = NumberSequence.objects.select_for_update().get(name=name)
    first = seq.last_value + 1
    seq.last_value += count
    seq.save(update_fields=["last_value"])
    return first


def format_number(name: str, value: int, branch: str = "01") -> str:
    lead, width = LAYOUT[name]
    body = f"{lead}{branch}{value:0{width}d}"
    return body + mod11_2_check_char(body)


def next_numbers(name: str, count: int = 1, branch: str | None = None) -> list[str]:
    if branch is None:
        from core import policy

        branch = policy.get("center.branch")
    first = reserve(name, count)
    return [format_number(name, first + i, branch) for i in range(count)]

# The same formats as in English: one date format on every page, in both languages (fund_center/formats/en).
from fund_center.formats.en.formats import *  # noqa: F403

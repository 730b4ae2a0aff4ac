"""The codes and payload fields a person's work on a row leaves (rpa.casework), shared with
the flows that show it in their outputs.

A corrected item's payload carries `CORRECTED_BY`, `CORRECTED_AT` and `CORRECTED_FIELDS` (the
labels of the fields changed: no values); an item a person filed by hand ends done with the
outcome code `FILED_BY_HAND` (人工报备) and, until a checker approves it, a mark under `BY_HAND`
in its result.
"""

from __future__ import annotations

from rpa.approvals.words import CORRECTED_BY  # a checker may not approve a row they corrected

__all__ = ["CORRECTED_BY"]
CORRECTED_AT = "corrected_at"
CORRECTED_FIELDS = "corrected_fields"
FILED_BY_HAND = "filed_by_hand"
BY_HAND = "by_hand"
# the outcome code of a row held because an earlier row of its account (its order group) has
# not ended filed: it goes back to pending with that row (`rpa.casework.actions`)
WAITS_FOR_EARLIER = "earlier_row_unfiled"
# a held row's result field: the number of AMS's later filing of its account that the row, dated
# before it, was held behind (晚到); a by-hand mark giving that number is refused
LATER_FILING_NO = "later_filing_no"

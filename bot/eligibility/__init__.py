"""The eligibility questionnaire: reading answers and computing an orientation (issue #4)."""

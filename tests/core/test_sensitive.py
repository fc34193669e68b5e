"""Sensitive numbers (#12): a valid NIR, IBAN or card number is masked as people type it; a phone
number, a postcode, a date or an amount is left alone."""

from __future__ import annotations

import pytest

from bot.core.sensitive import Sensitive, kind_of, mask

# Valid numbers (check digits computed with python-stdnum): not anyone's.
NIR = "185057800608491"
NIR_CORSICA = "285052A00608482"
IBAN = "FR7630006000011234567890189"
VISA = "4970101234567893"
MASTERCARD = "5555555555554444"
AMEX = "378282246310005"


@pytest.mark.parametrize(
    ("text", "masked", "found"),
    [
        ("ma secu 1 85 05 78 006 084 91 voila", "ma secu •••••••••••••91 voila", {Sensitive.NIR}),
        ("secu: 185057800608491.", "secu: •••••••••••••91.", {Sensitive.NIR}),
        ("1.85.05.78.006.084.91", "•••••••••••••91", {Sensitive.NIR}),
        ("2 85 05 2A 006 084 82", "•••••••••••••82", {Sensitive.NIR}),
        ("FR76 3000 6000 0112 3456 7890 189 merci", "•••••••••••••••••••••••0189 merci",
         {Sensitive.IBAN}),
        ("mon rib fr7630006000011234567890189", "mon rib •••••••••••••••••••••••0189",
         {Sensitive.IBAN}),
        ("carte 4970-1012-3456-7893 exp 12/27", "carte ••••••••••••7893 exp 12/27",
         {Sensitive.CARD}),
        ("5555 5555 5555 4444", "••••••••••••4444", {Sensitive.CARD}),
        ("3782 822463 10005", "•••••••••••0005", {Sensitive.CARD}),
        ("4970101234567893 et 06 12 34 56 78", "••••••••••••7893 et 06 12 34 56 78",
         {Sensitive.CARD}),
        ("06 12 34 56 78 4970 1012 3456 7893", "06 12 34 56 78 ••••••••••••7893",
         {Sensitive.CARD}),
        ("carte 4970 1012 3456 7893 iban FR7630006000011234567890189",
         "carte ••••••••••••7893 iban •••••••••••••••••••••••0189",
         {Sensitive.CARD, Sensitive.IBAN}),
    ],
)  # fmt: skip
def test_valid_numbers_are_masked_but_their_last_digits(
    text: str, masked: str, found: set[Sensitive]
) -> None:
    result = mask(text)

    assert result.text == masked
    assert result.found == found


@pytest.mark.parametrize(
    "text",
    [
        "06 12 34 56 78",
        "+33 6 12 34 56 78",
        "0612345678",
        "06.12.34.56.78",
        "06 12 34 56 78 07 12 34 56 78",  # two phone numbers in a row
        "j'habite au 75011 Paris",
        "né le 12.03.2005",
        "rdv le 2026-03-12 à 14:30",
        "je gagne 1 200,50 € par mois",
        "j'ai 14 ans",
        "1 85 05 78 006 084 36",  # a NIR with a wrong key
        "4970 1012 3456 7899",  # a card number failing the Luhn check
        "FR76 3000 6000 0112 3456 7890 188",  # an IBAN with a wrong check
        "mon INE 123456789AB",
        "",
    ],
)
def test_other_numbers_are_left_as_typed(text: str) -> None:
    assert mask(text).text == text
    assert not mask(text).found


def test_the_kinds_are_told_apart() -> None:
    assert kind_of(NIR) is Sensitive.NIR
    assert kind_of(NIR_CORSICA) is Sensitive.NIR
    assert kind_of(IBAN) is Sensitive.IBAN
    assert kind_of(VISA) is kind_of(MASTERCARD) is kind_of(AMEX) is Sensitive.CARD
    assert kind_of("0612345678") is None


def test_a_long_message_is_masked_quickly() -> None:
    text = " ".join(["1 2 3 4 5 6 7 8 9"] * 200)

    assert mask(text).text == text

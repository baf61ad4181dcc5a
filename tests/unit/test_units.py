"""Units at the door: conversions, gauss, errors."""

import pytest

from femmag.units import UnitError, to_si


@pytest.mark.parametrize("value,kind,expected", [
    ("2.6 mJ/cm^2", "fluence", 26.0), ("140 fs", "duration", 140e-15), ("10 um", "diameter", 1e-5),
    ("1 T/(mJ/cm^2)", "ife_coefficient", 0.1), ("6 G", "field", 6e-4), ("10 mG", "field", 1e-6),
    ("2 mT", "field", 2e-3), ("1 eV", "energy", 1.602176634e-19), ((300, "K"), "temperature", 300),
])
def test_conversions(value, kind, expected):
    assert to_si(value, kind) == pytest.approx(expected, rel=1e-12)


def test_bare_number_rejected():
    with pytest.raises(UnitError, match="has no unit"):
        to_si(5, "field", "applied_field")

"""Optical constants of a material: the complex refractive index over wavelength."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pint

from femmag.materials.errors import MaterialError

__all__ = ["RefractiveIndex"]


@dataclass(frozen=True)
class RefractiveIndex:
    """Complex refractive index n + ik (k ≥ 0 absorbing; time convention e^{-iωt}).

    One of: a table over wavelength (linear interpolation of n and k, no extrapolation), a
    Sellmeier formula (transparent dielectrics), or a wavelength-independent value.

    Attributes:
        source: provenance string.
        wavelengths: table wavelengths [m] (empty for the other forms).
        n, k: table (or constant, one entry) real and imaginary parts.
        sellmeier_B: Sellmeier B coefficients (dimensionless).
        sellmeier_C: Sellmeier C coefficients [m²].
        valid_range: (min, max) wavelength [m] where the data hold.
        owner: material name (for messages).
    """

    source: str
    wavelengths: tuple[float, ...] = ()
    n: tuple[float, ...] = ()
    k: tuple[float, ...] = ()
    sellmeier_B: tuple[float, ...] = ()
    sellmeier_C: tuple[float, ...] = ()
    valid_range: tuple[float, float] = (0.0, math.inf)
    owner: str = ""

    @property
    def form(self) -> str:
        """``"table"``, ``"sellmeier"`` or ``"constant"``."""
        if self.sellmeier_B:
            return "sellmeier"
        return "table" if self.wavelengths else "constant"

    def __call__(self, wavelength: Any) -> complex | np.ndarray:
        """n + ik at ``wavelength`` [m] (float, array, or a string with unit like ``"800 nm"``).

        Raises:
            MaterialError: wavelength outside the data range, or not positive.
        """
        if isinstance(wavelength, str | pint.Quantity):
            from femmag.units import to_si

            wavelength = to_si(wavelength, "wavelength", f"{self.owner} wavelength")
        lam = np.asarray(wavelength, dtype=float)
        lo, hi = self.valid_range
        # a relative tolerance so that 800e-9 m matches a table end given as 800 nm
        bad = (lam <= 0) | (lam < lo * (1 - 1e-9)) | (lam > hi * (1 + 1e-9))
        if np.any(bad):
            worst = float(np.atleast_1d(lam)[np.atleast_1d(bad)][0])
            rng = (f"{lo * 1e9:g}-{hi * 1e9:g} nm" if math.isfinite(hi) else f"> {lo * 1e9:g} nm")
            raise MaterialError(
                f"material '{self.owner}': refractive index known for {rng} only, asked at "
                f"{worst * 1e9:g} nm ({worst:g} m; wavelengths are in metres). Add data for this "
                f"wavelength in a user TOML (Library.merge_toml) or choose a wavelength inside "
                f"the range")
        if self.form == "table":
            lam_c = np.clip(lam, self.wavelengths[0], self.wavelengths[-1])
            out = np.interp(lam_c, self.wavelengths, self.n) + 1j * np.interp(
                lam_c, self.wavelengths, self.k)
        elif self.form == "sellmeier":
            lam2 = lam**2
            eps = 1.0 + sum(b * lam2 / (lam2 - c) for b, c in zip(self.sellmeier_B,
                                                                  self.sellmeier_C, strict=True))
            out = np.sqrt(eps) + 0j
        else:
            out = np.full(lam.shape, self.n[0] + 1j * self.k[0])
        return complex(out) if out.ndim == 0 else out



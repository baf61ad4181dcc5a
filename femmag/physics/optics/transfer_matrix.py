"""Transfer-matrix reference for planar multilayer optics, any angle, s or p (numpy only).

Independent of the finite-element optics (physics-spec §1.5): a plane wave of unit amplitude
arrives at angle θ from a transparent medium ``n_incident`` onto layers j = 1..L (complex
indices ``n_j = n'_j + i k_j``, thicknesses ``d_j``) on a semi-infinite substrate ``n_substrate``.
Time convention e^{-iωt}, so ``k > 0`` absorbs. The plane of incidence is (x, ζ); the in-plane
wavenumber k_x = k0 n_in sin θ is the same in every medium, and the normal wavenumber of layer j is
k0 ν_j with ν_j = √(n_j² − n_in² sin²θ) (the root with Im ν ≥ 0: decaying or forward).

The transverse field U is E_y for s (TE) and H_y for p (TM). In layer j (local coordinate ζ' from
the layer top)

    U_j(ζ') = a_j exp(i k0 ν_j ζ') + b_j exp(-i k0 ν_j ζ'),

and U and η_j dU/dζ/ν_j are continuous at each interface, with the admittance η_j = ν_j (s) or
ν_j/ε_j (p, ε = n²). The amplitudes are found by propagating *up* from the substrate (a_s = 1,
b_s = 0) and normalising by the incident amplitude: this direction only multiplies by growing
exponentials in absorbing layers, so it stays accurate for µm-thick metals. The results are

    r = b_0/a_0,  t = 1/a_0,  R = |r|²,  T = Re(η_s)/η_0 |t|²,  A = 1 - R - T

(r and t of U, i.e. of E_y for s and of H_y for p: r_p = (n₂cosθ₁ − n₁cosθ₂)/(n₂cosθ₁ + n₁cosθ₂)
at one interface, the convention of the ``tmm`` package), the normal Poynting flux as a fraction of
the incident one ``S(ζ) = Re(η_j U* (a e^{..} - b e^{..}))/η_0``, the per-layer absorption
A_j = S(top_j) - S(bottom_j), and the absorbed power density

    q(ζ)/S_inc = k0 ε''(ζ) |E(ζ)/E_inc|² / (n_in cos θ)     [1/m],

S_inc the incident power flux *through the sample plane* (cos θ × the beam intensity), so that
∫ q/S_inc dζ over a layer is A_j. For p, |E|² = |E_x|² + |E_z|² with E_x ∝ dH_y/dζ/ε and
E_z ∝ k_x H_y/ε (:meth:`TransferMatrixResult.electric_field`). Unpolarized light is the mean of
s and p (:class:`UnpolarizedResult`).

Units: :func:`tmm_stack` takes lengths with their unit (``"10 nm"``, pint quantities) and the angle
as ``"45 deg"``; :func:`tmm_stack_si` is the same solver for internal callers holding SI floats.

Example:
    >>> film = tmm_stack([2.673 + 4.883j], ["10 nm"], "800 nm", n_substrate=1.4533)
    >>> round(film.A, 4)
    0.3725
    >>> round(tmm_stack([2.673 + 4.883j], ["10 nm"], "800 nm", n_substrate=1.4533,
    ...                 angle="45 deg", polarization="p").A, 4)
    0.4151
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["POLARIZATIONS", "TransferMatrixResult", "UnpolarizedResult", "airy_single_film",
           "tmm_stack", "tmm_stack_si"]

#: Accepted ``polarization`` values: s (TE, E ⟂ plane of incidence), p (TM), unpolarized (mean).
POLARIZATIONS = ("s", "p", "unpolarized")


@dataclass(frozen=True)
class TransferMatrixResult:
    """Solution of the multilayer problem for one polarization (s or p).

    Depths ζ are always measured from the *top* interface of the stack as given to
    :func:`tmm_stack` (ζ = 0 at the incidence-medium/layer-1 interface, ζ = Σd at the
    layer-L/substrate interface), also when the light comes from the substrate side
    (``from_substrate=True``); then ζ < 0 is the medium ``n_incident`` (the "top" medium) in which
    the light *exits*, and ζ > Σd is the substrate the light comes from.

    Attributes:
        r: complex amplitude reflection coefficient of E_y (s) or H_y (p), in the medium the light
            comes from.
        t: complex amplitude transmission coefficient of E_y (s) or H_y (p), into the exit medium.
        R: reflectance (power fraction).
        T: transmittance (fraction of the incident normal power flux carried into the exit medium).
        A: absorptance of the layers, 1 - R - T.
        layer_absorption: absorbed fraction per layer A_j, in the order of ``n_layers`` (top first).
        wavelength: vacuum wavelength [m].
        n_layers: complex indices of the layers (top first).
        d_layers: layer thicknesses [m] (top first).
        n_top: index of the medium above layer 1 (``n_incident``).
        n_bottom: index of the substrate.
        from_substrate: True if the light comes from the substrate side.
        angle: angle of incidence θ [rad] in the medium the light comes from.
        polarization: ``"s"`` or ``"p"``.
    """

    r: complex
    t: complex
    R: float
    T: float
    A: float
    layer_absorption: NDArray[np.float64]
    wavelength: float
    n_layers: NDArray[np.complex128]
    d_layers: NDArray[np.float64]
    n_top: complex
    n_bottom: complex
    from_substrate: bool
    # Amplitudes in the propagation frame (media 0..L+1 along the light path), normalised to
    # unit incident amplitude, referred to the top of each medium (medium 0: to ζ_path = 0).
    _forward: NDArray[np.complex128] = dataclasses.field(repr=False)
    _backward: NDArray[np.complex128] = dataclasses.field(repr=False)
    _n_path: NDArray[np.complex128] = dataclasses.field(repr=False)
    _tops_path: NDArray[np.float64] = dataclasses.field(repr=False)
    _nz_path: NDArray[np.complex128] = dataclasses.field(repr=False, default=None)
    angle: float = 0.0
    polarization: str = "s"

    @property
    def interfaces(self) -> NDArray[np.float64]:
        """Depths of the L+1 interfaces [m], from ζ = 0 (top) to ζ = Σd (substrate)."""
        return np.concatenate(([0.0], np.cumsum(self.d_layers)))

    @property
    def total_thickness(self) -> float:
        """Σ d_j [m]."""
        return float(np.sum(self.d_layers))

    @property
    def _in_plane(self) -> float:
        """n_in sin θ (k_x/k0), the same in every medium."""
        return float(self._n_path[0].real * np.sin(self.angle))

    def _path_coordinates(self, depth: ArrayLike) -> tuple[NDArray, NDArray, NDArray]:
        """Map depths ζ to (medium index, local coordinate, path coordinate) along the path."""
        zeta = np.asarray(depth, dtype=float)
        path = self.total_thickness - zeta if self.from_substrate else zeta
        medium = np.searchsorted(self._tops_path, path, side="right")
        # medium 0 = incidence side (path < 0); its local coordinate is path itself
        local = path - np.where(medium > 0, self._tops_path[np.maximum(medium - 1, 0)], 0.0)
        return medium, local, path

    def _waves(self, depth: ArrayLike) -> tuple[NDArray, NDArray, NDArray]:
        medium, local, _ = self._path_coordinates(depth)
        k0 = 2.0 * np.pi / self.wavelength
        phase = 1j * k0 * self._nz_path[medium] * local
        forward = self._forward[medium] * np.exp(phase)
        backward = self._backward[medium] * np.exp(-phase)
        return forward, backward, medium

    def field(self, depth: ArrayLike) -> NDArray[np.complex128]:
        """Transverse field U(ζ)/U_inc at depths ζ [m], any medium: E_y/E_inc (s), H_y/H_inc (p)."""
        forward, backward, _ = self._waves(depth)
        return forward + backward

    def electric_field(self, depth: ArrayLike) -> NDArray[np.complex128]:
        """(E_x, E_y, E_ζ)/|E_inc| at depths ζ [m], shape ``depth.shape + (3,)``.

        Frame of the ``tmm`` package along the light path: x in the plane of incidence, y normal
        to it, ζ the film normal pointing the way the light travels. For p, E = i∇×H/(ωε0ε) with
        |E_inc| = Z0|H_inc|/n_in gives E_x = n_in ν (a e^{..} − b e^{..})/ε and
        E_ζ = −n_in (n_in sin θ) H_y/ε.
        """
        forward, backward, medium = self._waves(depth)
        out = np.zeros((*np.shape(forward), 3), dtype=complex)
        if self.polarization == "s":
            out[..., 1] = forward + backward
            return out
        eps = self._n_path[medium] ** 2
        n_in = self._n_path[0].real
        out[..., 0] = n_in * self._nz_path[medium] * (forward - backward) / eps
        out[..., 2] = -n_in * self._in_plane * (forward + backward) / eps
        return out

    def intensity_weight(self, depth: ArrayLike) -> NDArray[np.float64]:
        """|E(ζ)/E_inc|² (all components) at depths ζ [m]."""
        return np.sum(np.abs(self.electric_field(depth)) ** 2, axis=-1)

    def refractive_index(self, depth: ArrayLike) -> NDArray[np.complex128]:
        """Complex refractive index n(ζ) at depths ζ [m] (interfaces belong to the medium below)."""
        medium, _, _ = self._path_coordinates(depth)
        return self._n_path[medium]

    def absorbed_power_density(self, depth: ArrayLike) -> NDArray[np.float64]:
        """Absorbed power per unit volume per incident flux through the sample plane [1/m].

        q/S_inc = k0 ε''|E/E_inc|²/(n_in cos θ) (Poynting theorem), n_in the (real) index of the
        medium the light comes from; S_inc = I_beam cos θ, so ∫ q/S_inc dζ = A_j over layer j.
        """
        medium, _, _ = self._path_coordinates(depth)
        eps_im = (self._n_path[medium] ** 2).imag
        k0 = 2.0 * np.pi / self.wavelength
        return k0 * eps_im * self.intensity_weight(depth) / self._nz_path[0].real

    def _admittance(self, medium: NDArray) -> NDArray:
        nz = self._nz_path[medium]
        return nz if self.polarization == "s" else nz / self._n_path[medium] ** 2

    def poynting_flux(self, depth: ArrayLike) -> NDArray[np.float64]:
        """Net power flux normal to the layers *along the light path* at ζ (fraction of incident).

        S = 1 - R just inside the first layer met by the light, S = T in the exit medium. The
        absorbed fraction between two depths ζ1 < ζ2 is ``|S(ζ1) - S(ζ2)|``.
        """
        forward, backward, medium = self._waves(depth)
        eta_in = self._admittance(np.array(0)).real
        return np.real(self._admittance(medium) * np.conj(forward + backward)
                       * (forward - backward)) / eta_in

    def absorbed_fraction_between(self, top: ArrayLike, bottom: ArrayLike) -> NDArray[np.float64]:
        """Exact absorbed fraction of the incident power between depths ``top`` < ``bottom`` [m].

        For cell-averaged sources in finite-volume codes: q_cell/S_inc = fraction/(bottom - top).
        """
        fraction = self.poynting_flux(top) - self.poynting_flux(bottom)
        return -fraction if self.from_substrate else fraction


@dataclass(frozen=True)
class UnpolarizedResult:
    """Unpolarized light: the mean of the s and p solutions for every power quantity.

    ``R``, ``T``, ``A``, ``layer_absorption``, :meth:`absorbed_power_density`,
    :meth:`intensity_weight`, :meth:`poynting_flux` and :meth:`absorbed_fraction_between` are the
    means; the amplitudes (r, t, fields) exist only per polarization: use ``.s`` and ``.p``.
    """

    s: TransferMatrixResult
    p: TransferMatrixResult
    polarization: str = "unpolarized"

    def __getattr__(self, name: str) -> Any:
        if name in ("s", "p"):  # not yet set (during dataclass init)
            raise AttributeError(name)
        shared = ("wavelength", "n_layers", "d_layers", "n_top", "n_bottom", "from_substrate",
                  "angle", "interfaces", "total_thickness", "refractive_index")
        if name in shared:
            return getattr(self.s, name)
        if name in ("r", "t", "field", "electric_field"):
            raise AttributeError(f"unpolarized light has no single {name}; use the s and p parts "
                                 f"(result.s.{name}, result.p.{name}).")
        raise AttributeError(name)

    R = property(lambda self: 0.5 * (self.s.R + self.p.R), doc="Mean reflectance.")
    T = property(lambda self: 0.5 * (self.s.T + self.p.T), doc="Mean transmittance.")
    A = property(lambda self: 0.5 * (self.s.A + self.p.A), doc="Mean absorptance.")
    layer_absorption = property(lambda self: 0.5 * (self.s.layer_absorption
                                                     + self.p.layer_absorption),
                                doc="Mean absorbed fraction per layer.")

    def absorbed_power_density(self, depth: ArrayLike) -> NDArray[np.float64]:
        """Mean of s and p of :meth:`TransferMatrixResult.absorbed_power_density` [1/m]."""
        return 0.5 * (self.s.absorbed_power_density(depth) + self.p.absorbed_power_density(depth))

    def intensity_weight(self, depth: ArrayLike) -> NDArray[np.float64]:
        """Mean |E/E_inc|² of s and p."""
        return 0.5 * (self.s.intensity_weight(depth) + self.p.intensity_weight(depth))

    def poynting_flux(self, depth: ArrayLike) -> NDArray[np.float64]:
        """Mean normal Poynting flux (fraction of the incident one)."""
        return 0.5 * (self.s.poynting_flux(depth) + self.p.poynting_flux(depth))

    def absorbed_fraction_between(self, top: ArrayLike, bottom: ArrayLike) -> NDArray[np.float64]:
        """Mean exact absorbed fraction between two depths."""
        return 0.5 * (self.s.absorbed_fraction_between(top, bottom)
                      + self.p.absorbed_fraction_between(top, bottom))


def _as_complex_array(values: ArrayLike, name: str) -> NDArray[np.complex128]:
    array = np.atleast_1d(np.asarray(values, dtype=complex))
    if array.ndim != 1:
        raise ValueError(f"tmm_stack: {name} must be a 1D sequence, got shape {array.shape}.")
    return array


def normal_index(n: ArrayLike, in_plane: float) -> NDArray[np.complex128]:
    """ν = √(n² − (n_in sin θ)²), the root with Im ν > 0, or Im ν = 0 and Re ν ≥ 0.

    k0 ν is the normal wavenumber; this root decays (or propagates) away from the source.
    """
    nu = np.sqrt(np.asarray(n, dtype=complex) ** 2 - in_plane**2 + 0j)
    flip = (nu.imag < 0) | ((nu.imag == 0) & (nu.real < 0))
    return np.where(flip, -nu, nu)


def check_polarization(polarization: Any, where: str) -> str:
    """The polarization as ``"s"``, ``"p"`` or ``"unpolarized"`` (ValueError otherwise)."""
    value = polarization.strip().lower() if isinstance(polarization, str) else polarization
    if value not in POLARIZATIONS:
        raise ValueError(f"{where}: polarization = {polarization!r}; use 's' (TE, E perpendicular "
                         f"to the plane of incidence), 'p' (TM, E in the plane of incidence) or "
                         f"'unpolarized' (the mean of s and p).")
    return value


def check_angle(angle: float, where: str) -> float:
    """An angle of incidence θ [rad] with 0 ≤ θ < 90° (ValueError otherwise)."""
    angle = float(angle)
    if not np.isfinite(angle) or angle < 0 or angle >= 0.5 * np.pi:
        raise ValueError(f"{where}: angle of incidence = {np.degrees(angle):.6g} deg must lie in "
                         f"[0, 90) deg (measured from the film normal, in the medium the light "
                         f"comes from).")
    return angle


def tmm_stack(n_layers: ArrayLike | Sequence[complex], d_layers: Any, wavelength: Any,
              n_incident: complex = 1.0, n_substrate: complex = 1.0,
              from_substrate: bool = False, *, angle: Any = "0 deg",
              polarization: str = "s") -> TransferMatrixResult | UnpolarizedResult:
    """Solve the multilayer problem by transfer matrices (units at the door).

    Args:
        n_layers: complex refractive indices n' + ik of the layers, top (incidence side) first.
        d_layers: layer thicknesses with their unit, same order: a sequence of ``"10 nm"``
            strings / pint quantities, or one pint array quantity.
        wavelength: vacuum wavelength λ, e.g. ``"800 nm"``.
        n_incident: index of the top medium (the incidence medium for front-side light); must be
            real (transparent) when the light comes from it.
        n_substrate: index of the semi-infinite substrate; may be complex (absorbing) for
            front-side light, must be real for ``from_substrate=True``.
        from_substrate: light comes from the substrate side (backside pump); the stack is
            traversed in reverse, depths and ``layer_absorption`` stay in the top-first frame.
        angle: angle of incidence from the film normal in the medium the light comes from, e.g.
            ``"45 deg"`` (0 ≤ θ < 90°).
        polarization: ``"s"``, ``"p"`` or ``"unpolarized"`` (mean of s and p).

    Returns:
        A :class:`TransferMatrixResult` (s or p) or an :class:`UnpolarizedResult`.

    Raises:
        femmag.units.UnitError: a length or angle without its unit.
        ValueError: mismatched lengths, negative thicknesses, an absorbing medium on the side the
            light comes from, a bad polarization.
    """
    from femmag.units import to_si

    return tmm_stack_si(n_layers, lengths_to_si(d_layers, "tmm_stack: d_layers"),
                        to_si(wavelength, "wavelength", "tmm_stack: wavelength"),
                        n_incident, n_substrate, from_substrate,
                        angle=to_si(angle, "angle", "tmm_stack: angle"),
                        polarization=polarization)


def lengths_to_si(values: Any, name: str) -> NDArray[np.float64]:
    """A sequence of lengths with units (or one pint array quantity) → metres."""
    import pint

    from femmag.units import to_si

    if isinstance(values, pint.Quantity):
        try:
            return np.atleast_1d(np.asarray(values.to("m").magnitude, dtype=float))
        except pint.errors.DimensionalityError:
            raise ValueError(f"{name} = {values!r} is not a length (e.g. ['10 nm'])") from None
    if isinstance(values, str) or np.ndim(values) == 0:
        raise ValueError(f"{name}: give one thickness per layer as a sequence, e.g. ['10 nm'], "
                         f"got {values!r}.")
    return np.array([to_si(v, "thickness", f"{name}[{i}]") for i, v in enumerate(values)],
                    dtype=float)


def tmm_stack_si(n_layers: ArrayLike | Sequence[complex], d_layers: ArrayLike | Sequence[float],
                 wavelength: float, n_incident: complex = 1.0, n_substrate: complex = 1.0,
                 from_substrate: bool = False, *, angle: float = 0.0,
                 polarization: str = "s") -> TransferMatrixResult | UnpolarizedResult:
    """:func:`tmm_stack` for internal callers that hold SI floats (d_layers, wavelength in m, angle
    in rad); no unit parsing. User code should call :func:`tmm_stack` with units."""
    polarization = check_polarization(polarization, "tmm_stack")
    if polarization == "unpolarized":
        parts = [tmm_stack_si(n_layers, d_layers, wavelength, n_incident, n_substrate,
                              from_substrate, angle=angle, polarization=pol) for pol in "sp"]
        return UnpolarizedResult(*parts)
    angle = check_angle(angle, "tmm_stack")
    n = _as_complex_array(n_layers, "n_layers")
    d = np.atleast_1d(np.asarray(d_layers, dtype=float))
    if d.shape != n.shape:
        raise ValueError(f"tmm_stack: n_layers has {n.size} entries but d_layers has {d.size}; "
                         "give one thickness [m] per layer.")
    if np.any(d < 0) or not np.all(np.isfinite(d)):
        raise ValueError(f"tmm_stack: layer thicknesses must be finite and >= 0 m, got {d}.")
    if not wavelength > 0:
        raise ValueError(f"tmm_stack: wavelength must be > 0 m, got {wavelength!r}.")
    if np.any(n.imag < 0):
        raise ValueError("tmm_stack: an index has k < 0 (gain). With the e^{-iωt} convention "
                         "absorbing media have n = n' + ik with k >= 0.")
    n_top, n_bottom = complex(n_incident), complex(n_substrate)
    n_in, n_out = (n_bottom, n_top) if from_substrate else (n_top, n_bottom)
    if n_in.imag != 0 or n_in.real <= 0:
        raise ValueError(f"tmm_stack: the medium the light comes from must be transparent "
                         f"(real n > 0), got {n_in}. Put absorbing material in a layer instead.")
    n_path_layers, d_path = (n[::-1], d[::-1]) if from_substrate else (n, d)
    n_path = np.concatenate(([n_in], n_path_layers, [n_out]))
    nz_path = normal_index(n_path, n_in.real * np.sin(angle))
    # admittance: the factor of dU/dζ (in units of i k0) that is continuous with U
    eta = nz_path if polarization == "s" else nz_path / n_path**2
    tops_path = np.concatenate(([0.0], np.cumsum(d_path)))  # top of media 1..L+1
    k0 = 2.0 * np.pi / wavelength

    # back-propagate from the exit medium: a = 1, b = 0 at its top
    n_media = n_path.size
    forward = np.zeros(n_media, dtype=complex)
    backward = np.zeros(n_media, dtype=complex)
    forward[-1] = 1.0
    for j in range(n_media - 2, -1, -1):  # loop over layers (not points): L+1 steps
        field_below = forward[j + 1] + backward[j + 1]
        flux_below = eta[j + 1] * (forward[j + 1] - backward[j + 1])  # ∝ η dU/dζ
        forward_bottom = 0.5 * (field_below + flux_below / eta[j])
        backward_bottom = 0.5 * (field_below - flux_below / eta[j])
        thickness = d_path[j - 1] if j > 0 else 0.0
        phase = np.exp(1j * k0 * nz_path[j] * thickness)
        forward[j] = forward_bottom / phase
        backward[j] = backward_bottom * phase
        # thick absorbing layers grow the amplitudes by e^{k0 k d}: rescale (all amplitudes share
        # one normalisation, fixed by the incident amplitude at the end) to avoid overflow
        scale = abs(forward[j])
        if scale > 1e100:
            forward[j:] /= scale
            backward[j:] /= scale

    incident = forward[0]
    forward /= incident
    backward /= incident
    r = complex(backward[0])
    t = complex(forward[-1])
    R = abs(r) ** 2
    T = eta[-1].real / eta[0].real * abs(t) ** 2

    # per-layer absorption from the Poynting flux at the layer tops (exact, no quadrature)
    def flux_at_top(j: int) -> float:
        a, b = forward[j], backward[j]
        return float(np.real(eta[j] * np.conj(a + b) * (a - b)) / eta[0].real)

    flux_tops = np.array([flux_at_top(j) for j in range(1, n_media)])
    absorbed_path = flux_tops[:-1] - flux_tops[1:]
    layer_absorption = absorbed_path[::-1] if from_substrate else absorbed_path
    return TransferMatrixResult(
        r=r, t=t, R=float(R), T=float(T), A=float(1.0 - R - T),
        layer_absorption=np.asarray(layer_absorption, dtype=float), wavelength=float(wavelength),
        n_layers=n, d_layers=d, n_top=n_top, n_bottom=n_bottom, from_substrate=from_substrate,
        _forward=forward, _backward=backward, _n_path=n_path, _tops_path=tops_path,
        _nz_path=nz_path, angle=angle, polarization=polarization,
    )


def airy_single_film(n_film: complex, thickness: Any, wavelength: Any,
                     n_incident: complex = 1.0, n_substrate: complex = 1.0
                     ) -> tuple[complex, complex]:
    """Airy (closed-form) r and t of one film between two half-spaces (physics-spec §1.5).

    r = (r01 + r12 e^{2iβ})/(1 + r01 r12 e^{2iβ}), t = t01 t12 e^{iβ}/(1 + r01 r12 e^{2iβ}),
    β = k0 n1 d, r_ij = (n_i - n_j)/(n_i + n_j), t_ij = 2 n_i/(n_i + n_j).

    Args:
        n_film: complex index of the film.
        thickness: film thickness with its unit, e.g. ``"10 nm"``.
        wavelength: vacuum wavelength, e.g. ``"800 nm"``.
        n_incident: index of the incidence medium.
        n_substrate: index of the substrate.

    Returns:
        (r, t) complex amplitude coefficients.
    """
    from femmag.units import to_si

    thickness = to_si(thickness, "thickness", "airy_single_film: thickness")
    wavelength = to_si(wavelength, "wavelength", "airy_single_film: wavelength")
    n0, n1, n2 = complex(n_incident), complex(n_film), complex(n_substrate)
    r01, r12 = (n0 - n1) / (n0 + n1), (n1 - n2) / (n1 + n2)
    t01, t12 = 2 * n0 / (n0 + n1), 2 * n1 / (n1 + n2)
    beta = 2.0 * np.pi / wavelength * n1 * thickness
    denominator = 1 + r01 * r12 * np.exp(2j * beta)
    return ((r01 + r12 * np.exp(2j * beta)) / denominator,
            t01 * t12 * np.exp(1j * beta) / denominator)

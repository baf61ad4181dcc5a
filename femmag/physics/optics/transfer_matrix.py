"""Transfer-matrix reference for normal-incidence multilayer optics (numpy only).

Independent of the finite-element optics (physics-spec §1.5): a plane wave of unit amplitude
arrives at normal incidence from a transparent medium ``n_incident`` onto layers j = 1..L (complex
indices ``n_j = n'_j + i k_j``, thicknesses ``d_j``) on a semi-infinite substrate ``n_substrate``.
Time convention e^{-iωt}, so ``k > 0`` absorbs.

In layer j (local coordinate ζ' from the layer top) the field is

    E_j(ζ') = a_j exp(i k0 n_j ζ') + b_j exp(-i k0 n_j ζ'),

and E and dE/dζ are continuous at each interface. The amplitudes are found by propagating *up*
from the substrate (a_s = 1, b_s = 0) and normalising by the incident amplitude: this direction
only multiplies by growing exponentials in absorbing layers, so it stays accurate for µm-thick
metals. The results are

    r = b_0/a_0,  t = 1/a_0,  R = |r|²,  T = Re(n_s)/n_0 |t|²,  A = 1 - R - T,

the Poynting flux (fraction of the incident one) ``S(ζ) = Re(n_j E* (a e^{..} - b e^{..}))/n_0``,
the per-layer absorption A_j = S(top_j) - S(bottom_j), and the absorbed power density

    q(ζ)/I_inc = (4π n' k / (λ n_0)) |E(ζ)|²     [1/m].

Example:
    >>> film = tmm_stack([2.673 + 4.883j], [10e-9], 800e-9, n_substrate=1.4533)
    >>> round(film.A, 4)
    0.3725
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["TransferMatrixResult", "airy_single_film", "tmm_stack"]


@dataclass(frozen=True)
class TransferMatrixResult:
    """Solution of the normal-incidence multilayer problem.

    Depths ζ are always measured from the *top* interface of the stack as given to
    :func:`tmm_stack` (ζ = 0 at the incidence-medium/layer-1 interface, ζ = Σd at the
    layer-L/substrate interface), also when the light comes from the substrate side
    (``from_substrate=True``); then ζ < 0 is the medium ``n_incident`` (the "top" medium) in which
    the light *exits*, and ζ > Σd is the substrate the light comes from.

    Attributes:
        r: complex amplitude reflection coefficient (in the medium the light comes from).
        t: complex amplitude transmission coefficient (into the exit medium).
        R: reflectance (power fraction).
        T: transmittance (power fraction carried into the exit medium).
        A: absorptance of the layers, 1 - R - T.
        layer_absorption: absorbed fraction per layer A_j, in the order of ``n_layers`` (top first).
        wavelength: vacuum wavelength [m].
        n_layers: complex indices of the layers (top first).
        d_layers: layer thicknesses [m] (top first).
        n_top: index of the medium above layer 1 (``n_incident``).
        n_bottom: index of the substrate.
        from_substrate: True if the light comes from the substrate side.
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

    @property
    def interfaces(self) -> NDArray[np.float64]:
        """Depths of the L+1 interfaces [m], from ζ = 0 (top) to ζ = Σd (substrate)."""
        return np.concatenate(([0.0], np.cumsum(self.d_layers)))

    @property
    def total_thickness(self) -> float:
        """Σ d_j [m]."""
        return float(np.sum(self.d_layers))

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
        phase = 1j * k0 * self._n_path[medium] * local
        forward = self._forward[medium] * np.exp(phase)
        backward = self._backward[medium] * np.exp(-phase)
        return forward, backward, self._n_path[medium]

    def field(self, depth: ArrayLike) -> NDArray[np.complex128]:
        """Complex field E(ζ)/E_inc at depths ζ [m], in any medium (both half-spaces too)."""
        forward, backward, _ = self._waves(depth)
        return forward + backward

    def refractive_index(self, depth: ArrayLike) -> NDArray[np.complex128]:
        """Complex refractive index n(ζ) at depths ζ [m] (interfaces belong to the medium below)."""
        medium, _, _ = self._path_coordinates(depth)
        return self._n_path[medium]

    def absorbed_power_density(self, depth: ArrayLike) -> NDArray[np.float64]:
        """Absorbed power per unit volume per incident intensity, q(ζ)/I_inc [1/m].

        Poynting-theorem form q/I = (4π n' k / (λ n_in)) |E/E_inc|², n_in the (real) index of the
        medium the light comes from.
        """
        forward, backward, n = self._waves(depth)
        n_in = self._n_path[0].real
        return (4.0 * np.pi * n.real * n.imag / (self.wavelength * n_in)) * np.abs(
            forward + backward) ** 2

    def poynting_flux(self, depth: ArrayLike) -> NDArray[np.float64]:
        """Net power flux *along the light path* at ζ, as a fraction of the incident flux.

        S = 1 - R just inside the first layer met by the light, S = T in the exit medium. The
        absorbed fraction between two depths ζ1 < ζ2 is ``|S(ζ1) - S(ζ2)|``.
        """
        forward, backward, n = self._waves(depth)
        n_in = self._n_path[0].real
        return np.real(n * np.conj(forward + backward) * (forward - backward)) / n_in

    def absorbed_fraction_between(self, top: ArrayLike, bottom: ArrayLike) -> NDArray[np.float64]:
        """Exact absorbed fraction of the incident power between depths ``top`` < ``bottom`` [m].

        Used for cell-averaged sources in finite-volume codes: q_cell/I = fraction/(bottom - top).
        """
        fraction = self.poynting_flux(top) - self.poynting_flux(bottom)
        return -fraction if self.from_substrate else fraction


def _as_complex_array(values: ArrayLike, name: str) -> NDArray[np.complex128]:
    array = np.atleast_1d(np.asarray(values, dtype=complex))
    if array.ndim != 1:
        raise ValueError(f"tmm_stack: {name} must be a 1D sequence, got shape {array.shape}.")
    return array


def tmm_stack(n_layers: ArrayLike | Sequence[complex], d_layers: ArrayLike | Sequence[float],
              wavelength: float, n_incident: complex = 1.0,
              n_substrate: complex = 1.0, from_substrate: bool = False) -> TransferMatrixResult:
    """Solve the normal-incidence multilayer problem by transfer matrices.

    Args:
        n_layers: complex refractive indices n' + ik of the layers, top (incidence side) first.
        d_layers: layer thicknesses [m], same order.
        wavelength: vacuum wavelength λ [m].
        n_incident: index of the top medium (the incidence medium for front-side light); must be
            real (transparent) when the light comes from it.
        n_substrate: index of the semi-infinite substrate; may be complex (absorbing) for
            front-side light, must be real for ``from_substrate=True``.
        from_substrate: light comes from the substrate side (backside pump); the stack is
            traversed in reverse, depths and ``layer_absorption`` stay in the top-first frame.

    Returns:
        A :class:`TransferMatrixResult`.

    Raises:
        ValueError: mismatched lengths, negative thicknesses, non-positive wavelength, or an
            absorbing medium on the side the light comes from.
    """
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
    tops_path = np.concatenate(([0.0], np.cumsum(d_path)))  # top of media 1..L+1
    k0 = 2.0 * np.pi / wavelength

    # back-propagate from the exit medium: a = 1, b = 0 at its top
    n_media = n_path.size
    forward = np.zeros(n_media, dtype=complex)
    backward = np.zeros(n_media, dtype=complex)
    forward[-1] = 1.0
    for j in range(n_media - 2, -1, -1):  # loop over layers (not points): L+1 steps
        field_below = forward[j + 1] + backward[j + 1]
        flux_below = n_path[j + 1] * (forward[j + 1] - backward[j + 1])  # ∝ dE/dζ
        forward_bottom = 0.5 * (field_below + flux_below / n_path[j])
        backward_bottom = 0.5 * (field_below - flux_below / n_path[j])
        thickness = d_path[j - 1] if j > 0 else 0.0
        phase = np.exp(1j * k0 * n_path[j] * thickness)
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
    T = n_out.real / n_in.real * abs(t) ** 2

    # per-layer absorption from the Poynting flux at the layer tops (exact, no quadrature)
    def flux_at_top(j: int) -> float:
        a, b = forward[j], backward[j]
        return float(np.real(n_path[j] * np.conj(a + b) * (a - b)) / n_in.real)

    flux_tops = np.array([flux_at_top(j) for j in range(1, n_media)])
    absorbed_path = flux_tops[:-1] - flux_tops[1:]
    layer_absorption = absorbed_path[::-1] if from_substrate else absorbed_path
    return TransferMatrixResult(
        r=r, t=t, R=float(R), T=float(T), A=float(1.0 - R - T),
        layer_absorption=np.asarray(layer_absorption, dtype=float), wavelength=float(wavelength),
        n_layers=n, d_layers=d, n_top=n_top, n_bottom=n_bottom, from_substrate=from_substrate,
        _forward=forward, _backward=backward, _n_path=n_path, _tops_path=tops_path,
    )


def airy_single_film(n_film: complex, thickness: float, wavelength: float,
                     n_incident: complex = 1.0, n_substrate: complex = 1.0
                     ) -> tuple[complex, complex]:
    """Airy (closed-form) r and t of one film between two half-spaces (physics-spec §1.5).

    r = (r01 + r12 e^{2iβ})/(1 + r01 r12 e^{2iβ}), t = t01 t12 e^{iβ}/(1 + r01 r12 e^{2iβ}),
    β = k0 n1 d, r_ij = (n_i - n_j)/(n_i + n_j), t_ij = 2 n_i/(n_i + n_j).

    Args:
        n_film: complex index of the film.
        thickness: film thickness [m].
        wavelength: vacuum wavelength [m].
        n_incident: index of the incidence medium.
        n_substrate: index of the substrate.

    Returns:
        (r, t) complex amplitude coefficients.
    """
    n0, n1, n2 = complex(n_incident), complex(n_film), complex(n_substrate)
    r01, r12 = (n0 - n1) / (n0 + n1), (n1 - n2) / (n1 + n2)
    t01, t12 = 2 * n0 / (n0 + n1), 2 * n1 / (n1 + n2)
    beta = 2.0 * np.pi / wavelength * n1 * thickness
    denominator = 1 + r01 * r12 * np.exp(2j * beta)
    return ((r01 + r12 * np.exp(2j * beta)) / denominator,
            t01 * t12 * np.exp(1j * beta) / denominator)

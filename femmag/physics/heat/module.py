r"""Two-temperature model: electron and lattice temperatures in metals, one temperature in dielectrics.

In every metal layer (physics-spec §4.1, [Anisimov 1974]):

.. math::

    C_e(T_e)\,\partial_t T_e &= \nabla\cdot(\kappa_e \nabla T_e) - G (T_e - T_l) + q(\mathbf x, t) \\
    C_l\,\partial_t T_l &= \nabla\cdot(\kappa_l \nabla T_l) + G (T_e - T_l)

with :math:`C_e = \gamma_e T_e` (Sommerfeld) and :math:`\kappa_e = \kappa_{e0} T_e/T_l`. Dielectric layers
and substrates carry one temperature, stored in the lattice component. Boundary and interface
conditions (§4.2): electrons are blocked at metal/dielectric interfaces and at the top surface (zero
flux, natural); the lattice temperature is continuous everywhere (perfect contact); the substrate
bottom is held at the initial temperature (``substrate_bottom="fixed"``) or adiabatic.

Discretization. Both temperatures live in one blocked P1 space ``(T_e, T_l)`` on the whole mesh. The
electron equation is integrated over metal cells only, so it is exactly the electron problem on the
metal sub-mesh; electron dofs that touch no metal cell are inert and pinned (their value is replaced by
the lattice value for output). Time stepping is the θ-scheme in *energy form*

.. math::

    \int \frac{E_e(T_e^{n+1}) - E_e(T_e^n)}{\Delta t} v
      + \theta\,\mathcal F(T^{n+1}, t^{n+1}; v) + (1-\theta)\,\mathcal F(T^n, t^n; v) = 0,
    \qquad E_e(T) = \gamma_e T^2/2,

so the discrete total energy changes by exactly the discrete absorbed energy (adiabatic boundaries),
whatever Δt (a capacity form :math:`C_e(T^{n+1})(T^{n+1}-T^n)` would not conserve energy). θ = 1
(backward Euler, L-stable, the default) or θ = 1/2 (Crank–Nicolson, second order).

``scheme="trbdf2"``: TR-BDF2 [Bank et al. 1985; Hosea & Shampine, Appl. Numer. Math. 20, 21
(1996)], second order and L-stable (stiff modes, e.g. sub-nm cells' electron diffusion, are damped,
where Crank–Nicolson lets them ring), in the same energy form: a trapezoidal stage to
t* = t + γΔt (γ = 2 − √2), then BDF2 through t, t*, t + Δt,

.. math::

    E(T^{n+1}) - \frac{E(T^*)}{\gamma(2-\gamma)} + \frac{(1-\gamma)^2}{\gamma(2-\gamma)} E(T^n)
      + \frac{1-\gamma}{2-\gamma}\,\Delta t\,\mathcal F(T^{n+1}, t^{n+1}) = 0,

whose coefficients of E sum to zero, so energy is conserved exactly as above. Its local error,
(3γ² − 4γ + 2)/(12(2 − γ)) Δt³ T‴ = 0.0404 Δt³ T‴, is estimated from the third divided difference
of T^{n−1}, T^n, T*, T^{n+1} (no extra solve) and drives the error-controlled steps. Both stages
are one residual form with the stage's coefficients in a constant (the trapezoidal stage over γΔt
times 2 has the BDF2 stage's Δt factor γΔt/2 = (1 − γ)Δt/(2 − γ)): one Jacobian form, one
solver, half the forms to compile. Each stage is a
Newton solve (:class:`femmag.solvers.NewtonSolver`: C++ assembly, PETSc linear solver, converged
when the remaining error of the temperatures is below ``newton_tolerance``); forms and the solver
are built once. On r-z and 3D meshes the Newton matrix and its preconditioner (additive Schwarz
with ILU(0)) are kept across iterations and steps while the contraction they achieve pays, and
rebuilt when Δt changes (``reuse_jacobian``; ``bench/bench_heat_scaling.py``). Every form is one
integral over the thermal cells, with the material parameters
as cell-wise (DG0) fields (plus χ·p(T_e, T_l) terms for temperature-dependent parameters): one
integral per layer made DOLFINx pack coefficients and dispatch kernels once per subdomain, which
dominated a small step, and building the forms term by term cost a setup quadratic in the layers.

In the axisymmetric case every integrand carries the weight r; reported energies include the 2π.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mpi4py import MPI

import basix.ufl
import dolfinx
import ufl
from dolfinx import fem

from femmag.geometry.domain import HEAT_QUADRATURE_DEGREE
from femmag.physics.base import OutputField, PhysicsModule
from femmag.solvers import NewtonSolver, iterative_options, lu_options
from femmag.units import to_si


def comm_sum(comm: MPI.Comm, value: Any) -> Any:
    """Sum of a local scalar or array over the ranks of ``comm``."""
    return comm.allreduce(value, op=MPI.SUM)


def _collapse(Vsub) -> tuple[fem.FunctionSpace, np.ndarray]:
    """Collapse a sub-space; return it and the collapsed → parent dof map as one int32 array."""
    V, dofs = Vsub.collapse()
    if isinstance(dofs, list) and len(dofs) and np.ndim(dofs[0]) == 1:
        dofs = dofs[0]  # DOLFINx 0.11 returns one map per block
    return V, np.asarray(dofs, dtype=np.int32)


class HeatSetupError(ValueError):
    """The heat problem cannot be set up as given (missing parameters, regions or tags)."""


class TwoTemperatureModel(PhysicsModule):
    """Electron/lattice temperatures on a :class:`~femmag.geometry.domain.Domain`.

    Args:
        domain: mesh with named regions (one per layer, plus ``substrate``, optional ``air``).
        library: materials library (default: :meth:`femmag.materials.Library.default`).
        initial_temperature: ``"300 K"``; also the fixed bottom temperature.
        substrate_bottom: ``"fixed"`` (T = T0 on facet group ``substrate_bottom``) or ``"adiabatic"``.
        theta: 1 (backward Euler) or 0.5 (Crank–Nicolson) for ``scheme="theta"``.
        scheme: ``"theta"`` (the θ-scheme) or ``"trbdf2"`` (TR-BDF2: second order, L-stable, with
            a local error estimate; what ``Simulation(accuracy=...)`` uses).
        petsc_options: linear-solver (KSP/PC) options overriding the defaults: PETSc's LU
            (:func:`femmag.solvers.lu_options`) on a 1D mesh on one rank, otherwise GMRES +
            block-Jacobi/ILU (:func:`femmag.solvers.iterative_options`).
        newton_tolerance: Newton stops when the estimated remaining error of the temperatures
            is below this, e.g. ``"1e-6 K"`` (the default; energy is then conserved to ~1e-9).
        newton_max_it: Newton iteration limit per step.
        newton_relative: if given, the Newton tolerance of each step is this fraction of the
            temperature rise so far (per component, the smaller), tying it to a relative step
            tolerance (``newton_tolerance`` is then its floor).
        extra_sources: optional ``(f_e, f_l)``, callables ``f(x, t) -> UFL`` [W/m³] added to the
            electron and lattice equations (manufactured solutions, external heaters).
        reuse_jacobian: keep the Newton matrix and its preconditioner across iterations and
            steps while they converge (:class:`femmag.solvers.NewtonSolver`); default: on r-z
            and 3D meshes (the matrix assembly is most of a Newton iteration there), off on 1D
            (banded LU: a Jacobian costs less than its bookkeeping) and x-z meshes, whatever
            the number of ranks (so that one and several ranks give the same answer). The
            reused matrix converges linearly: the last iterate is within the Newton tolerance
            but not far below it, so the energy balance closes to ~1e-9 relative instead of
            ~1e-12.

    Fields: reads ``absorbed_power_density`` (an object with ``.ufl(x, t, region)`` returning q
    [W/m³] in that region as a UFL expression of the spatial coordinate and a time constant); writes ``electron_temperature``
    and ``lattice_temperature`` (P1 functions, K) and ``temperatures`` (the blocked pair).
    """

    name = "heat"
    reads = ("absorbed_power_density",)
    writes = ("temperatures", "electron_temperature", "lattice_temperature")

    def __init__(
        self,
        domain: Any,
        library: Any = None,
        *,
        initial_temperature: Any = "300 K",
        substrate_bottom: str = "fixed",
        theta: float = 1.0,
        scheme: str = "theta",
        petsc_options: dict | None = None,
        newton_tolerance: Any = "1e-6 K",
        newton_max_it: int = 25,
        newton_relative: float | None = None,
        extra_sources: tuple[Any, Any] | None = None,
        reuse_jacobian: bool | None = None,
    ) -> None:
        if library is None:
            from femmag.materials import Library

            library = Library.default()
        if substrate_bottom not in ("fixed", "adiabatic"):
            raise HeatSetupError(f"substrate_bottom = {substrate_bottom!r}: use 'fixed' or 'adiabatic'")
        if not 0.5 <= theta <= 1.0:
            raise HeatSetupError(f"theta = {theta}: the θ-scheme is stable for 0.5 ≤ θ ≤ 1")
        if scheme not in ("theta", "trbdf2"):
            raise HeatSetupError(f"scheme = {scheme!r}: use 'theta' (θ-scheme) or 'trbdf2'")
        if newton_relative is not None and not 0 < newton_relative < 1:
            raise HeatSetupError(f"newton_relative = {newton_relative!r}: give a fraction of the "
                                 f"temperature rise in (0, 1), e.g. 1e-6")
        self.scheme = scheme
        self.newton_relative = newton_relative
        self.domain = domain
        self.library = library
        self.T0 = to_si(initial_temperature, "temperature", "initial_temperature")
        self.substrate_bottom = substrate_bottom
        self.theta = theta
        self.extra_sources = extra_sources
        # Linear solves: PETSc's LU on a 1D mesh on one rank (a few hundred banded unknowns),
        # otherwise GMRES + block-Jacobi/ILU (4× faster than MUMPS on the seed-003 r-z mesh, see
        # iterative_options; and its destruction does not communicate, see NewtonSolver.__del__).
        serial_1d = domain.kind == "1d" and domain.mesh.comm.size == 1
        self._petsc_options = lu_options(small=True) if serial_1d else iterative_options(rtol=1e-12)
        # by mesh kind, not by rank count: one and several ranks take the same iterations
        self.reuse_jacobian = (domain.kind in ("rz", "3d")) if reuse_jacobian is None \
            else bool(reuse_jacobian)
        if self.reuse_jacobian and not serial_1d:
            # with an old Newton matrix the iteration converges linearly anyway: a looser
            # linear solve adds little to its contraction, which the Newton test measures.
            # Additive Schwarz with one cell layer of overlap (block Jacobi on one rank): the
            # bilinear cells couple the strong z-stiffness across a rank boundary through the
            # radial mass matrix, which block Jacobi drops (bench_heat_scaling: 4 → 18 Krylov
            # iterations on 2 ranks; 10 with the overlap)
            self._petsc_options.update({"ksp_rtol": 1e-6, "pc_type": "asm", "pc_asm_overlap": 1})
        self._petsc_options.update(petsc_options or {})
        self._jacobian_step: float | None = None  # the step size in the Newton matrix
        self.newton_tolerance = to_si(newton_tolerance, "temperature", "newton_tolerance")
        if not self.newton_tolerance > 0:
            raise HeatSetupError(f"newton_tolerance = {newton_tolerance!r} must be > 0 K")
        self.newton_max_it = int(newton_max_it)
        self._classify_regions()

    # -- setup -----------------------------------------------------------------------------------
    def _classify_regions(self) -> None:
        """Split the mesh regions into metals (two temperatures), dielectrics (one) and inert (air)."""
        self.metal_regions: list[str] = []
        self.dielectric_regions: list[str] = []
        self.inert_regions: list[str] = []
        for region in self.domain.regions:
            mat = self.library.get(self.domain.material_of(region))
            if mat.has("electron_phonon_coupling"):
                missing = [p for p in ("electron_heat_capacity_coefficient", "lattice_heat_capacity",
                                       "electron_thermal_conductivity",
                                       "lattice_thermal_conductivity") if not mat.has(p)]
                if missing:
                    raise HeatSetupError(
                        f"region '{region}' (material '{mat.name}') is a metal (it has an "
                        f"electron_phonon_coupling) but lacks {missing} needed by the "
                        f"two-temperature model; add them to the materials library")
                self.metal_regions.append(region)
            elif mat.is_metal:
                raise HeatSetupError(
                    f"region '{region}' (material '{mat.name}', kind '{mat.kind}') is a metal but "
                    f"has no electron_phonon_coupling: the two-temperature model needs "
                    f"electron_phonon_coupling, electron_heat_capacity_coefficient, "
                    f"lattice_heat_capacity, electron_thermal_conductivity and "
                    f"lattice_thermal_conductivity; add them to the materials library (or give "
                    f"kind = 'dielectric' if it is not a metal)")
            elif mat.has("lattice_heat_capacity"):
                if not mat.has("lattice_thermal_conductivity"):
                    raise HeatSetupError(f"region '{region}' (material '{mat.name}') has a heat "
                                         f"capacity but no lattice_thermal_conductivity")
                self.dielectric_regions.append(region)
            else:
                self.inert_regions.append(region)
        if not self.metal_regions:
            raise HeatSetupError("the two-temperature model needs at least one metal layer; the "
                                 f"regions are {list(self.domain.regions)}")

    def setup(self, fields: Any) -> None:
        """Build the space, forms and Newton solver; declare the temperature fields."""
        domain = self.domain
        mesh = domain.mesh
        tdim = mesh.topology.dim
        cell = mesh.basix_cell()
        self.V = fem.functionspace(mesh, basix.ufl.element("Lagrange", cell.name, 1, shape=(2,)))
        self.temperatures = fem.Function(self.V, name="temperatures")  # trial state (T_e, T_l)
        self.temperatures_n = fem.Function(self.V, name="temperatures_committed")
        self.temperatures.x.array[:] = self.T0
        self.temperatures_n.x.array[:] = self.T0
        # committed history [(T^{n-1}, Δt_{n-1}), (T^{n-2}, Δt_{n-2})] for the Newton guess
        self._history: list[tuple[np.ndarray, float]] = []
        self._dt_last = 0.0
        self.error_estimate: float | None = None
        #: local error estimate relative to the temperature rise so far (max over T_e, T_l of
        #: max|error| / max rise), for relative tolerances; None before it can be estimated
        self.relative_error_estimate: float | None = None
        #: the error estimate is O(Δt^(1/error_exponent)): the step controller's exponent
        self.error_exponent = 1.0 / 3.0 if self.scheme == "trbdf2" else 0.5
        self._rise = np.zeros(2)  # largest T_e − T0, T_l − T0 so far (committed)
        self._trial_rise = np.zeros(2)
        self.t_new = fem.Constant(mesh, 0.0)
        self.t_old = fem.Constant(mesh, 0.0)
        self.dt = fem.Constant(mesh, 1e-15)

        source = fields["absorbed_power_density"] if fields is not None else None
        self._source = source
        # optional: Joule heating of eddy currents (a DG0 field written by the induction module)
        self._joule = None
        if fields is not None and "joule_power_density" in fields:
            self._joule = fields["joule_power_density"]
            fields.read("joule_power_density", self.name)
        fields_read = fields is not None
        if fields_read:
            fields.read("absorbed_power_density", self.name)

        # Inert dofs: electron dofs touching no metal cell, lattice dofs touching no thermal cell.
        V_e, self._map_e = _collapse(self.V.sub(0))
        V_l, self._map_l = _collapse(self.V.sub(1))
        metal_cells = np.concatenate([domain.cells(r) for r in self.metal_regions])
        thermal_cells = np.concatenate(
            [domain.cells(r) for r in self.metal_regions + self.dielectric_regions])
        bcs = []
        self._inert_e = self._complement_dofs(self.V.sub(0), V_e, metal_cells, tdim)
        self._inert_l = self._complement_dofs(self.V.sub(1), V_l, thermal_cells, tdim)
        T0c = fem.Constant(mesh, self.T0)
        bcs.append(fem.dirichletbc(T0c, self._inert_e, self.V.sub(0)))
        if len(self.inert_regions) > 0:
            bcs.append(fem.dirichletbc(T0c, self._inert_l, self.V.sub(1)))
        if self.substrate_bottom == "fixed":
            if "substrate_bottom" not in domain.boundaries:
                raise HeatSetupError("substrate_bottom='fixed' needs a facet group "
                                     f"'substrate_bottom'; the mesh has {list(domain.boundaries)}")
            facets = domain.facet_tags.find(domain.boundaries["substrate_bottom"])
            dofs = fem.locate_dofs_topological(self.V.sub(1), tdim - 1, facets)
            bcs.append(fem.dirichletbc(T0c, dofs, self.V.sub(1)))
        self.bcs = bcs

        self._zero = fem.Constant(mesh, 0.0)
        self._build_material_fields()
        if self.scheme == "trbdf2":
            # both stages are one residual (and one Jacobian, one solver) with the stage's
            # coefficients in one vector constant (see _residual_trbdf2)
            self.temperatures_mid = fem.Function(self.V, name="temperatures_stage")
            self._T_mid = self.temperatures_mid.x.array
            self.stage = fem.Constant(mesh, np.array([1e-15, 0.0, 0.0, 0.0, 1.0, 1.0]))
            self._stage = self.stage.value  # a view: the stage is set by writing into it
            self.F = self._residual_trbdf2(source)
        else:
            self.F = self._residual(source)
        self.newton = NewtonSolver(self.F, self.temperatures, bcs, name="two-temperature model",
                                   petsc_options=self._petsc_options,
                                   atol=self.newton_tolerance, max_it=self.newton_max_it,
                                   reuse_jacobian=self.reuse_jacobian)

        # Output functions (collapsed components) and energy forms.
        self.electron_temperature = fem.Function(V_e, name="electron_temperature")
        self.lattice_temperature = fem.Function(V_l, name="lattice_temperature")
        self._inert_e_local = np.setdiff1d(np.arange(len(self._map_e)),
                                           self._dofs_in_cells(V_e, metal_cells, tdim))
        # views of the vectors' arrays, taken once (the property costs µs at every access)
        self._T = self.temperatures.x.array
        self._Tn = self.temperatures_n.x.array
        self._Te_out = self.electron_temperature.x.array
        self._Tl_out = self.lattice_temperature.x.array
        self._n_owned = self.V.dofmap.index_map.size_local * 2
        self._build_energy()
        # Absorbed power ∫q dV: when q = q̂(x) f(t) is the only heat source, ∫q̂ dV is assembled
        # once and the bookkeeping of every step costs two float evaluations of f.
        self._power_profile: float | None = None
        if (source is not None and hasattr(source, "spatial_ufl") and hasattr(source, "envelope")
                and self._joule is None and self.extra_sources is None):
            x = ufl.SpatialCoordinate(mesh)
            profile = fem.form(source.spatial_ufl(x) * (self.metal_indicator
                                                        + self.dielectric_indicator)
                               * self.domain.radial_weight * self._dx_thermal)
            self._power_profile = comm_sum(mesh.comm, fem.assemble_scalar(profile))
        else:
            self._power_form_new = fem.form(self._power_integrand(source, self.t_new))
            self._power_form_old = fem.form(self._power_integrand(source, self.t_old))
        self._average_forms: dict[str, tuple] = {}
        self._update_outputs()
        if fields is not None:
            fields.declare("temperatures", "K", "(T_e, T_l) blocked P1", self.name,
                           self.temperatures)
            fields.declare("electron_temperature", "K", "electron temperature T_e (P1)", self.name,
                           self.electron_temperature)
            fields.declare("lattice_temperature", "K",
                           "lattice temperature T_l (P1; the only temperature in dielectrics)",
                           self.name, self.lattice_temperature)
            fields.add_output(OutputField(self.electron_temperature, "K",
                                          "electron temperature T_e", picture=dict(
                                              title="electron temperature T_e [K]", depth=3.0,
                                              top=0.5)), self.name)
            fields.add_output(OutputField(self.lattice_temperature, "K",
                                          "lattice temperature T_l"), self.name)

    # -- checkpoints -----------------------------------------------------------------------------
    checkpointable = True

    def state(self) -> dict[str, Any]:
        """Committed temperatures, the two previous steps (Newton guess and error indicator),
        and the Newton solver's predicted-stop memory."""
        from femmag.io.checkpoint import FunctionState

        # A resumed run starts with a new Newton matrix: so does the run that goes on from
        # here, and both take the same iterations (a reused matrix is not saved)
        self.newton.invalidate_jacobian()
        entries: dict[str, Any] = {
            "temperatures": FunctionState(self.temperatures_n),
            "history_steps": np.array([h for _, h in self._history]),
            "dt_last": self._dt_last,
            "error_estimate": np.nan if self.error_estimate is None else self.error_estimate,
            "newton_constant": np.nan if self.newton._newton_constant is None
            else self.newton._newton_constant,
            "newton_predicted_solves": self.newton._predicted_solves,
            "rise": self._rise.copy(),
            "relative_error_estimate": np.nan if self.relative_error_estimate is None
            else self.relative_error_estimate,
        }
        for k in range(len(self._history)):
            entries[f"history_{k}"] = FunctionState(
                self.temperatures_n, array=lambda k=k: self._history[k][0])
        return entries

    def restore(self, entries: dict[str, Any]) -> None:
        from femmag.io.checkpoint import FunctionState

        FunctionState(self.temperatures_n).assign(*entries["temperatures"])
        self._history = []
        for k, h in enumerate(np.atleast_1d(entries["history_steps"])):
            values = np.zeros_like(self.temperatures_n.x.array)
            FunctionState(self.temperatures_n, array=lambda v=values: v).assign(
                *entries[f"history_{k}"])
            self._history.append((values, float(h)))
        self._dt_last = float(entries["dt_last"])
        error = float(entries["error_estimate"])
        self.error_estimate = None if np.isnan(error) else error
        constant = float(entries["newton_constant"])
        self.newton._newton_constant = None if np.isnan(constant) else constant
        self.newton._predicted_solves = int(entries["newton_predicted_solves"])
        self.newton.invalidate_jacobian()
        if "rise" in entries:
            self._rise = np.array(entries["rise"], dtype=float)
            self._trial_rise = self._rise.copy()
            relative = float(entries["relative_error_estimate"])
            self.relative_error_estimate = None if np.isnan(relative) else relative
        self.temperatures.x.array[:] = self.temperatures_n.x.array
        self._update_outputs()

    def add_traces(self, traces: Any) -> None:
        """T_e and T_l at the beam-centre probe point."""
        traces.add("electron_temperature_centre", "K",
                   lambda: traces.centre(self.electron_temperature)[0])
        traces.add("lattice_temperature_centre", "K",
                   lambda: traces.centre(self.lattice_temperature)[0])

    @staticmethod
    def _dofs_in_cells(V: fem.FunctionSpace, cells: np.ndarray, tdim: int) -> np.ndarray:
        """Local (owned + ghost) dofs of a scalar space that belong to the given cells."""
        return np.unique(V.dofmap.list[cells].ravel()).astype(np.int32)

    def _complement_dofs(self, Vsub, Vcollapsed, cells, tdim):
        """Parent-space dofs of sub-space ``Vsub`` that touch none of ``cells``."""
        size = Vcollapsed.dofmap.index_map.size_local + Vcollapsed.dofmap.index_map.num_ghosts
        mask = np.ones(size, dtype=bool)
        mask[self._dofs_in_cells(Vcollapsed, cells, tdim)] = False
        return _collapse(Vsub)[1][np.flatnonzero(mask)]

    def _dx(self, region: str | tuple[str, ...]) -> ufl.Measure:
        """Measure over one region or a group of regions (one integral, one kernel)."""
        regions = (region,) if isinstance(region, str) else tuple(region)
        ids = tuple(self.domain.regions[r] for r in regions)
        return ufl.Measure("dx", domain=self.domain.mesh, subdomain_data=self.domain.cell_tags,
                           subdomain_id=ids[0] if len(ids) == 1 else ids,
                           metadata={"quadrature_degree": HEAT_QUADRATURE_DEGREE,
                                     "quadrature_rule": "default"})

    def _groups(self, regions: list[str]) -> list[tuple[str, ...]]:
        """Regions grouped by material."""
        groups: dict[str, list[str]] = {}
        for region in regions:
            groups.setdefault(self.domain.material_of(region), []).append(region)
        return [tuple(g) for g in groups.values()]

    def _material(self, region: str | tuple[str, ...]):
        first = region if isinstance(region, str) else region[0]
        return self.library.get(self.domain.material_of(first))

    # -- forms: one integral over the thermal cells, material parameters as cell-wise fields ----
    #: (symbol, library property, regions it applies to)
    _PARAMETERS = (("gamma_e", "electron_heat_capacity_coefficient", "metal"),
                   ("G", "electron_phonon_coupling", "metal"),
                   ("kappa_e0", "electron_thermal_conductivity", "metal"),
                   ("C_l", "lattice_heat_capacity", "thermal"),
                   ("kappa_l", "lattice_thermal_conductivity", "thermal"))

    def _build_material_fields(self) -> None:
        """Cell-wise (DG0) material parameters, indicators and the "thermal cells" measure.

        A multilayer repeats a few materials many times; one integral per layer (or per material)
        makes DOLFINx pack coefficients and dispatch kernels once per subdomain id, which dominated
        the cost of a small (1D) step. Here every form has one integral over all thermal cells,
        constant parameters are components of one vector DG0 field (one Function: each Function
        costs a vector and its MPI scatter communicators), and a temperature-dependent parameter
        of a material adds χ_material · p(T_e, T_l) (χ a further indicator component).
        """
        domain, mesh = self.domain, self.domain.mesh
        tdim = mesh.topology.dim
        cell_map = mesh.topology.index_map(tdim)
        n_cells = cell_map.size_local + cell_map.num_ghosts

        def cells_of(regions):
            return (np.concatenate([domain.cells(r) for r in regions]).astype(np.int32)
                    if regions else np.zeros(0, dtype=np.int32))

        # columns: the constant parameters, the metal and dielectric indicators, then one
        # indicator per (parameter, material group) with a temperature-dependent value
        symbols = [symbol for symbol, _, _ in self._PARAMETERS]
        columns: dict[Any, np.ndarray] = {key: np.zeros(n_cells) for key in
                                          symbols + ["metal", "dielectric"]}
        columns["metal"][cells_of(self.metal_regions)] = 1.0
        columns["dielectric"][cells_of(self.dielectric_regions)] = 1.0
        variable: dict[str, list] = {symbol: [] for symbol in symbols}
        for symbol, prop_name, applies in self._PARAMETERS:
            regions = (self.metal_regions if applies == "metal"
                       else self.metal_regions + self.dielectric_regions)
            for group in self._groups(regions):
                prop = self._material(group).prop(prop_name)
                if prop.is_constant:
                    columns[symbol][cells_of(group)] = prop.value
                elif symbol == "gamma_e":
                    raise HeatSetupError(
                        f"region(s) {list(group)}: a temperature-dependent "
                        f"electron_heat_capacity_coefficient is not supported by the "
                        f"energy-conserving form yet; give a constant γ_e")
                else:
                    key = (symbol, group)
                    columns[key] = np.zeros(n_cells)
                    columns[key][cells_of(group)] = 1.0
                    variable[symbol].append((key, prop))
        keys = list(columns)
        Q = fem.functionspace(mesh, ("DG", 0, (len(keys),)))
        self.material_fields = fem.Function(Q, name="heat_material_fields")
        bs = len(keys)
        cell_dofs = Q.dofmap.list[np.arange(n_cells)].ravel()
        for i, key in enumerate(keys):
            self.material_fields.x.array[bs * cell_dofs + i] = columns[key]
        self.material_fields.x.scatter_forward()
        component = {key: self.material_fields[i] for i, key in enumerate(keys)}
        self.metal_indicator = component["metal"]
        self.dielectric_indicator = component["dielectric"]
        self._parameter_fields = {symbol: component[symbol] for symbol in symbols}
        self._variable_parameters = {symbol: [(component[key], prop) for key, prop in items]
                                     for symbol, items in variable.items()}
        # one tag for all thermal cells (1) and one for inert cells (2): two integrals at most
        thermal = cells_of(self.metal_regions + self.dielectric_regions)
        values = np.full(n_cells, 2, dtype=np.int32)
        values[thermal] = 1
        tags = dolfinx.mesh.meshtags(mesh, tdim, np.arange(n_cells, dtype=np.int32), values)
        metadata = {"quadrature_degree": HEAT_QUADRATURE_DEGREE, "quadrature_rule": "default"}
        self._dx_thermal = ufl.Measure("dx", domain=mesh, subdomain_data=tags, subdomain_id=1,
                                       metadata=metadata)
        self._dx_inert = ufl.Measure("dx", domain=mesh, subdomain_data=tags, subdomain_id=2,
                                     metadata=metadata)

    def _parameter(self, symbol: str, Te, Tl):
        """A material parameter as a UFL expression over the thermal cells."""
        expr = self._parameter_fields[symbol]
        for chi, prop in self._variable_parameters[symbol]:
            expr = expr + chi * prop.ufl(Te, Tl)
        return expr

    def _power_integrand(self, source, t):
        """Absorbed + external power density integrated over the thermal regions (diagnostics)."""
        x = ufl.SpatialCoordinate(self.domain.mesh)
        r = self.domain.radial_weight
        chi_m, chi_d = self.metal_indicator, self.dielectric_indicator
        P = self._zero
        if source is not None:
            P = P + source.ufl(x, t) * (chi_m + chi_d)
        if self._joule is not None:
            P = P + chi_m * self._joule
        if self.extra_sources is not None:
            f_e, f_l = self.extra_sources
            P = P + chi_m * f_e(x, t) + (chi_m + chi_d) * f_l(x, t)
        return P * r * self._dx_thermal

    def _flux_terms(self, T, t, v_e, v_l, source):
        """Spatial operator 𝓕(T, t; v) (everything but the time derivative), an integrand."""
        Te, Tl = T[0], T[1]
        x = ufl.SpatialCoordinate(self.domain.mesh)
        chi_m, chi_d = self.metal_indicator, self.dielectric_indicator
        kappa_e = self._parameter("kappa_e0", Te, Tl) * Te / Tl
        kappa_l = self._parameter("kappa_l", Te, Tl)
        coupling = self._parameter("G", Te, Tl) * (Te - Tl)
        term = (kappa_e * ufl.dot(ufl.grad(Te), ufl.grad(v_e)) + coupling * (v_e - v_l)
                + kappa_l * ufl.dot(ufl.grad(Tl), ufl.grad(v_l)))
        if source is not None:  # absorbed by the electrons in metals, the lattice in dielectrics
            term -= source.ufl(x, t) * (chi_m * v_e + chi_d * v_l)
        if self._joule is not None:
            term -= chi_m * self._joule * v_e
        if self.extra_sources is not None:
            f_e, f_l = self.extra_sources
            term -= chi_m * f_e(x, t) * v_e + (chi_m + chi_d) * f_l(x, t) * v_l
        return term

    def _residual(self, source):
        T, Tn = self.temperatures, self.temperatures_n
        v = ufl.TestFunction(self.V)
        v_e, v_l = v[0], v[1]
        r = self.domain.radial_weight
        gamma = self._parameter_fields["gamma_e"]  # constant per material (energy form)
        C_l = self._parameter("C_l", T[0], T[1])
        storage = (0.5 * gamma * (T[0] ** 2 - Tn[0] ** 2) * v_e
                   + C_l * (T[1] - Tn[1]) * v_l) / self.dt
        theta = 0.5 if self.scheme == "trbdf2" else self.theta
        F = storage + theta * self._flux_terms(T, self.t_new, v_e, v_l, source)
        if theta < 1.0:
            F += (1 - theta) * self._flux_terms(Tn, self.t_old, v_e, v_l, source)
        form = F * r * self._dx_thermal
        if self.inert_regions:
            # Inert cells (air) contribute nothing, but their dofs need entries in the sparsity
            # pattern so that the Dirichlet rows pinning them get their diagonal.
            form += self._zero * (T[0] * v_e + T[1] * v_l) * self._dx_inert
        return form

    #: TR-BDF2: γ = 2 − √2 (L-stable; the same Newton matrix structure in both stages)
    TRBDF2_GAMMA = 2.0 - np.sqrt(2.0)

    def _residual_trbdf2(self, source):
        """Both TR-BDF2 stages as one residual in energy form,

        (E(T) − c_* E(T*) − c_n E(T^n))/h + 𝓕(T, t_new) + w 𝓕(T^n, t_old),

        with h = γΔt/2 in both stages (= (1 − γ)/(2 − γ) Δt: that is the choice of γ), so the
        Jacobian is one form: the trapezoidal stage (×2) has c_* = 0, c_n = 1, w = 1, t_new =
        t + γΔt; the BDF2 stage c_* = 1/(γ(2 − γ)), c_n = −(1 − γ)²/(γ(2 − γ)), w = 0, t_new =
        t + Δt. The constant ``stage`` holds (h, t_new, t_old, c_*, c_n, w)."""
        T, Tn, Tm = self.temperatures, self.temperatures_n, self.temperatures_mid
        v = ufl.TestFunction(self.V)
        v_e, v_l = v[0], v[1]
        h, t_new, t_old, c_mid, c_n, w_old = (self.stage[i] for i in range(6))
        gamma = self._parameter_fields["gamma_e"]
        C_l = self._parameter("C_l", T[0], T[1])  # as in the θ-form: C_l at the new state
        storage = (0.5 * gamma * (T[0] ** 2 - c_mid * Tm[0] ** 2 - c_n * Tn[0] ** 2) * v_e
                   + C_l * (T[1] - c_mid * Tm[1] - c_n * Tn[1]) * v_l) / h
        F = (storage + self._flux_terms(T, t_new, v_e, v_l, source)
             + w_old * self._flux_terms(Tn, t_old, v_e, v_l, source))
        form = F * self.domain.radial_weight * self._dx_thermal
        if self.inert_regions:
            form += self._zero * (T[0] * v_e + T[1] * v_l) * self._dx_inert
        return form

    def _energy_density(self, T):
        """Internal energy γT_e²/2 + C_l T_l integrated over the thermal cells."""
        gamma = self._parameter_fields["gamma_e"]
        C_l = self._parameter("C_l", T[0], T[1])
        return (0.5 * gamma * T[0] ** 2 + C_l * T[1]) * self.domain.radial_weight * self._dx_thermal

    # -- stepping --------------------------------------------------------------------------------
    def step(self, t: float, dt: float) -> int:
        """Solve for the trial temperatures at ``t + dt``; returns the Newton iteration count.

        Raises:
            SolverDivergedError: Newton did not converge (the caller may retry with a smaller dt).
        """
        self._dt_last = dt
        # the Newton matrix holds C/Δt (C/h in TR-BDF2, h ∝ Δt in both stages): a new step
        # size needs a new matrix
        if dt != self._jacobian_step:
            self.newton.invalidate_jacobian()
            self._jacobian_step = dt
        if self.newton_relative is not None:  # Newton tolerance tied to the step tolerance
            atol = max(self.newton_relative * float(np.min(self._rise_scale(self._rise))),
                       1e-12)
            self.newton.atol = atol
        if self.scheme == "trbdf2":
            its, error = self._step_trbdf2(t, dt)
        else:
            its, error = self._step_theta(t, dt)
        self._set_error_estimates(error)
        if not np.isfinite(self._T.sum()):
            from femmag.solvers import SolverDivergedError

            raise SolverDivergedError("two-temperature model produced non-finite temperatures at "
                                      f"t = {(t + dt) * 1e12:.4g} ps; reduce the time step")
        self._update_outputs()
        return its

    def _extrapolated(self, h: float, order: int) -> np.ndarray:
        """Lagrange extrapolation of the committed history T^n, T^{n-1}, ... to t^n + h (a
        rejected step never leaks in), bounded below by T^n/2."""
        Tn = self.temperatures_n.x.array
        guess = Tn.copy()
        history = self._history
        if not history:
            return guess
        order = min(len(history), order)
        nodes = [0.0]  # times of T^n, T^{n-1}, ... relative to t^n
        for _, step in history[:order]:
            nodes.append(nodes[-1] - step)
        values = [Tn] + [T for T, _ in history[:order]]
        for i, (ti, Ti) in enumerate(zip(nodes, values)):
            weight = 1.0
            for j, tj in enumerate(nodes):
                if j != i:
                    weight *= (h - tj) / (ti - tj)
            if i == 0:
                guess *= weight
            else:
                guess += weight * Ti
        np.maximum(guess, 0.5 * Tn, out=guess)
        return guess

    def _step_theta(self, t: float, dt: float) -> tuple[int, np.ndarray | None]:
        self.t_old.value = t
        self.t_new.value = t + dt
        self.dt.value = dt
        # Start Newton from an extrapolation of the committed history: linear for backward Euler,
        # quadratic for Crank-Nicolson (one order above the scheme, so that |T - T_pred| is a
        # local error indicator of the scheme's order).
        guess = self._extrapolated(dt, 1 if self.theta == 1.0 else 2)
        self.temperatures.x.array[:] = guess
        its = self.newton.solve(t + dt)
        # Local error indicator: |T^{n+1} - T_pred| [K] of the extrapolation (its error,
        # Δt(Δt+Δt_prev)/2·T'' for the linear one, bounds the θ-scheme's own local error)
        return its, (np.abs(self.temperatures.x.array - guess) if self._history else None)

    def _step_trbdf2(self, t: float, dt: float) -> tuple[int, np.ndarray | None]:
        g = self.TRBDF2_GAMMA
        T, Tn, stage = self._T, self._Tn, self._stage
        # stage 1: trapezoidal rule to t* = t + γΔt
        stage[:] = (0.5 * g * dt, t + g * dt, t, 0.0, 1.0, 1.0)
        T[:] = self._extrapolated(g * dt, 2)
        its = self.newton.solve(t + g * dt)
        T_mid = self._T_mid
        T_mid[:] = T
        # stage 2: BDF2 through t, t*, t + Δt; guess: the parabola through T^{n-1}, T^n, T*
        c_mid = 1.0 / (g * (2 - g))
        stage[1], stage[3], stage[4], stage[5] = t + dt, c_mid, -(1 - g) ** 2 * c_mid, 0.0
        if self._history:
            T_prev, h_prev = self._history[0]
            x = (-h_prev, 0.0, g * dt)
            w = [(dt - x[1]) * (dt - x[2]) / ((x[0] - x[1]) * (x[0] - x[2])),
                 (dt - x[0]) * (dt - x[2]) / ((x[1] - x[0]) * (x[1] - x[2])),
                 (dt - x[0]) * (dt - x[1]) / ((x[2] - x[0]) * (x[2] - x[1]))]
            guess = w[0] * T_prev + w[1] * Tn + w[2] * T_mid
        else:
            guess = Tn + (T_mid - Tn) / g
        np.maximum(guess, 0.5 * Tn, out=T)
        its += self.newton.solve(t + dt)
        if not self._history:
            return its, None
        # local error 0.0404 Δt³ T‴ with T‴ = 6 × the third divided difference of
        # T^{n-1}, T^n, T*, T^{n+1} at -h_prev, 0, γΔt, Δt
        T_prev, h_prev = self._history[0]
        x0, x1, x2, x3 = -h_prev, 0.0, g * dt, dt
        d1a = (Tn - T_prev) / (x1 - x0)
        d1b = (T_mid - Tn) / (x2 - x1)
        d1c = (T - T_mid) / (x3 - x2)
        d3 = ((d1c - d1b) / (x3 - x1) - (d1b - d1a) / (x2 - x0)) / (x3 - x0)
        constant = (3 * g**2 - 4 * g + 2) / (12 * (2 - g))
        return its, np.abs(constant * dt**3 * 6.0 * d3)

    #: temperature rises below this are not a scale for relative errors [K]
    RISE_FLOOR = 1e-6

    def _rise_scale(self, rise: np.ndarray) -> np.ndarray:
        """Per-component scale of relative errors: the rise so far, at least 1 % of the other
        component's (the lattice lags the electrons) and RISE_FLOOR."""
        return np.maximum(rise, max(0.01 * float(np.max(rise)), self.RISE_FLOOR))

    def _set_error_estimates(self, error: np.ndarray | None) -> None:
        """error_estimate [K] and relative_error_estimate from the local error vector (owned
        dofs; one allreduce)."""
        n_owned = self._n_owned
        T = self._T[:n_owned]
        local = np.zeros(4)
        if n_owned:
            local[2] = T[0::2].max() - self.T0
            local[3] = T[1::2].max() - self.T0
            if error is not None:
                local[0] = error[:n_owned:2].max()
                local[1] = error[1:n_owned:2].max()
        local[2:] = np.maximum(local[2:], 0.0)
        comm = self.domain.mesh.comm
        if comm.size > 1:
            comm.Allreduce(MPI.IN_PLACE, local, op=MPI.MAX)
        self._trial_rise = np.maximum(self._rise, local[2:])
        if error is None:
            self.error_estimate = self.relative_error_estimate = None
            return
        self.error_estimate = float(max(local[0], local[1]))
        self.relative_error_estimate = float(np.max(local[:2] /
                                                    self._rise_scale(self._trial_rise)))

    def commit(self) -> None:
        """Accept the trial temperatures."""
        # the oldest history array is reused for the newest (no allocation per step)
        recycled = self._history[1][0] if len(self._history) > 1 else np.empty_like(self._Tn)
        recycled[:] = self._Tn
        self._history = [(recycled, self._dt_last)] + self._history[:1]
        self._rise = self._trial_rise.copy()
        self._Tn[:] = self._T

    def reject(self) -> None:
        """Discard the trial temperatures (after a failed step of any module)."""
        self.temperatures.x.array[:] = self.temperatures_n.x.array
        self._update_outputs()

    def _update_outputs(self) -> None:
        arr = self.temperatures.x.array
        Te, Tl = self.electron_temperature.x.array, self.lattice_temperature.x.array
        np.take(arr, self._map_e, out=Te)
        np.take(arr, self._map_l, out=Tl)
        # Electron temperature is undefined outside metals: show the lattice temperature there.
        Te[self._inert_e_local] = Tl[self._inert_e_local]

    # -- diagnostics -----------------------------------------------------------------------------
    def _scale(self) -> float:
        return 2 * np.pi if self.domain.kind == "rz" else 1.0

    def _build_energy(self) -> None:
        """The internal energy as Σ M_ij T_i T_j over the owned rows of one assembled matrix
        when C_l is constant: M = ∫(γ_e/2 φ_e φ_e + C_l φ_l φ_l), whose lattice rows sum to
        ∫C_l φ_i (the P1 basis sums to one), so Σ_ij M_ij T_i T_j + Σ_ij M^l_ij T_i is the
        same integral (exact at the heat quadrature degree) as the energy form: a few vector
        operations per trace sample instead of an assembly. Otherwise the energy form."""
        self._energy_entries = None
        # On several ranks the assembled matrix's owned rows reach columns that are not in the
        # temperature vector's ghosts (the sparsity pattern adds off-process columns), so the
        # shortcut needs an extra scatter; there the energy form is assembled instead.
        if self._variable_parameters["C_l"] or self.domain.mesh.comm.size > 1:
            self._energy_form = fem.form(self._energy_density(self.temperatures))
            return
        from dolfinx import la

        u, v = ufl.TrialFunction(self.V), ufl.TestFunction(self.V)
        form = fem.form((0.5 * self._parameter_fields["gamma_e"] * u[0] * v[0]
                         + self._parameter_fields["C_l"] * u[1] * v[1])
                        * self.domain.radial_weight * self._dx_thermal)
        matrix = fem.assemble_matrix(form, block_mode=la.BlockMode.expanded)
        matrix.scatter_reverse()
        owned = matrix.to_scipy(ghosted=False).tocoo()
        electron = (owned.row % 2 == 0) & (owned.col % 2 == 0)
        lattice = (owned.row % 2 == 1) & (owned.col % 2 == 1)
        rows, cols = owned.row[electron], owned.col[electron]
        weights = np.zeros(self._n_owned)
        np.add.at(weights, owned.row[lattice], owned.data[lattice])
        keep = weights != 0.0
        self._energy_entries = (rows.astype(np.int64), cols.astype(np.int64),
                                owned.data[electron].copy(), np.flatnonzero(keep),
                                weights[keep])

    def internal_energy(self, committed: bool = False) -> float:
        """Total internal energy ∫(γT_e²/2 + C_l T_l) [J; J/m² in 1D] (all ranks)."""
        if self._energy_entries is not None:
            rows, cols, data, lattice, weights = self._energy_entries
            T = self._Tn if committed else self._T
            local = float(data @ (T[rows] * T[cols]) + weights @ T[lattice])
            comm = self.domain.mesh.comm
            return self._scale() * (comm.allreduce(local, op=MPI.SUM) if comm.size > 1
                                    else local)
        if committed:
            tmp = self.temperatures.x.array.copy()
            self.temperatures.x.array[:] = self.temperatures_n.x.array
        local = fem.assemble_scalar(self._energy_form)
        if committed:
            self.temperatures.x.array[:] = tmp
        return self._scale() * self.domain.mesh.comm.allreduce(local, op=MPI.SUM)

    def average_temperatures(self, region: str | list[str] | tuple[str, ...]) -> tuple[float, float]:
        """Volume averages (T_e, T_l) of the trial state over a region, or over several regions
        together (e.g. all layers of a multilayer electrode) [K] (all ranks)."""
        key = (region,) if isinstance(region, str) else tuple(region)
        if key not in self._average_forms:
            unknown = [name for name in key if name not in self.domain.regions]
            if unknown:
                raise KeyError(f"average_temperatures: no region {unknown}; the mesh has "
                               f"{list(self.domain.regions)}")
            # ∫T r dx = Σ_i T_i ∫φ_i r dx exactly for P1: one weight vector per region group,
            # assembled once; an average is then a dot product (this runs at every step).
            v = ufl.TestFunction(self.V)
            weights = fem.assemble_vector(fem.form(
                (v[0] + v[1]) * self.domain.radial_weight * self._dx(key)))
            weights.scatter_reverse(dolfinx.la.InsertMode.add)
            n_owned = self.V.dofmap.index_map.size_local * 2
            w = weights.array[:n_owned].copy()
            volume = comm_sum(self.domain.mesh.comm, float(np.sum(w[0::2])))
            self._average_forms[key] = (w[0::2], w[1::2], volume, n_owned)
        w_e, w_l, volume, n_owned = self._average_forms[key]
        T = self._T[:n_owned]
        comm = self.domain.mesh.comm
        if comm.size == 1:
            return float(w_e @ T[0::2] / volume), float(w_l @ T[1::2] / volume)
        values = np.array([w_e @ T[0::2], w_l @ T[1::2]])
        comm.Allreduce(MPI.IN_PLACE, values, op=MPI.SUM)  # buffer, no pickling
        return float(values[0] / volume), float(values[1] / volume)

    def absorbed_power(self, t: float) -> float:
        """Total absorbed power ∫q dV at time t [W; W/m² in 1D] (all ranks)."""
        if self._power_profile is not None:
            return self._scale() * self._power_profile * self._source.envelope(t)
        self.t_new.value = t
        local = fem.assemble_scalar(self._power_form_new)
        return self._scale() * self.domain.mesh.comm.allreduce(local, op=MPI.SUM)

    def _quadrature_of_step(self, t: float, dt: float) -> list[tuple[float, float]]:
        """(time, weight) with which the scheme integrates a source over [t, t+dt] (weights sum
        to 1): exactly the energy the step deposits."""
        if self.scheme == "trbdf2":
            g = self.TRBDF2_GAMMA
            w = 1.0 / (2.0 * (2.0 - g))
            return [(t, w), (t + g * dt, w), (t + dt, (1.0 - g) / (2.0 - g))]
        nodes = [(t + dt, self.theta)]
        return nodes + [(t, 1.0 - self.theta)] if self.theta < 1 else nodes

    def absorbed_energy_in_step(self, t: float, dt: float) -> float:
        """Energy the scheme deposits in [t, t+dt] (exact discrete counterpart of ∫q dt dV)."""
        nodes = self._quadrature_of_step(t, dt)
        if self._power_profile is not None:
            envelope = self._source.envelope
            return self._scale() * dt * self._power_profile * sum(
                w * envelope(ti) for ti, w in nodes)
        local = 0.0
        for ti, w in nodes:
            self.t_new.value = ti
            local += w * fem.assemble_scalar(self._power_form_new)
        return self._scale() * dt * self.domain.mesh.comm.allreduce(local, op=MPI.SUM)

    def summary(self) -> str:
        n = self.V.dofmap.index_map.size_global
        scheme = "TR-BDF2" if self.scheme == "trbdf2" else f"θ = {self.theta}"
        return (f"heat: two-temperature model, P1 (T_e, T_l), {n} nodes, {scheme}, "
                f"metals {self.metal_regions}, dielectrics {self.dielectric_regions}, "
                f"inert {self.inert_regions}, bottom {self.substrate_bottom}, T0 = {self.T0} K")


__all__ = ["HeatSetupError", "TwoTemperatureModel"]

_ = dolfinx  # keep the import: dolfinx must be imported after femmag in user scripts

"""Eddy-current (loop-current) induction in a conducting film: the field the pump induces.

- :mod:`~femmag.physics.induction.axisymmetric`: A_φ(r, z) solver (thin sheet or resolved film)
  and the impressed inverse-Faraday flux sources;
- :mod:`~femmag.physics.induction.nedelec3d`: 3D N1curl solver (disk, sphere);
- :mod:`~femmag.physics.induction.stepping`: their shared time stepping, energy bookkeeping and
  trace; :mod:`~femmag.physics.induction.probes`: their point probe;
  :mod:`~femmag.physics.induction.checkpointing`: their rank-independent checkpoint entries
  (N1curl edge dofs oriented by the input vertex numbers);
- :mod:`~femmag.physics.induction.module` (:class:`FilmInduction`, r-z/1D simulations) and
  :mod:`~femmag.physics.induction.module3d` (:class:`FilmInduction3D`): the physics modules,
  both :class:`~femmag.physics.induction.film.FilmInductionModule` s.

The meshes are built by :mod:`femmag.geometry.induction_meshes`.
"""

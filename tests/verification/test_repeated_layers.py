"""A stack that repeats a layer name ([CoPt/Pt]x2): unique regions through mesh, Domain and run."""

import numpy as np

import femmag  # noqa: F401
from femmag.geometry import Layer, Stack
from femmag.pulse import Pulse
from femmag.simulation import Simulation


def test_repeated_layer_names_run_as_separate_regions():
    stack = Stack([Layer("CoPt", "CoPt_S003A", "5 nm"), Layer("Pt", "Pt", "2 nm"),
                   Layer("CoPt", "CoPt_S003A", "5 nm")],
                  substrate=Layer("substrate", "fused_silica", "1 um"))
    assert stack.names == ["CoPt", "Pt", "CoPt_2"]
    sim = Simulation(stack, Pulse("1 mJ/cm^2", "140 fs", "10 um"), mesh="1d", verbose=False)
    traces = sim.run("0.6 ps")
    domain = sim.domain
    assert set(domain.regions) == {"CoPt", "Pt", "CoPt_2", "substrate"}
    assert domain.material_of("CoPt_2") == "CoPt_S003A"
    assert sim.magnetization.magnetic_regions == ["CoPt", "CoPt_2"]
    # both magnetic layers are cells of their own, and both heat up
    for region in ("CoPt", "CoPt_2"):
        assert domain.mesh.comm.allreduce(len(domain.cells(region))) > 0
    te = traces.column("electron_temperature_centre")
    assert np.all(np.isfinite(te)) and te.max() > 400.0

"""Seed 000 (spin-valve switching by spin currents): the stack, the reference's thermal set and
the calibrated timing set (:mod:`femmag.studies.seed000.calibration`)."""

from femmag.studies.seed000.groups import seed000_groups
from femmag.studies.seed000.stacks import (
    FM_CU_CONTROL_LAYERS,
    SEED000_LAYERS,
    SEED000_OPTICS,
    seed000_spin_valve,
)
from femmag.studies.seed000.thermal import (
    SEED000_THERMAL,
    seed000_temperatures,
    seed000_thermal_library,
)

__all__ = ["FM_CU_CONTROL_LAYERS", "SEED000_LAYERS", "SEED000_OPTICS", "SEED000_THERMAL",
           "seed000_groups", "seed000_spin_valve", "seed000_temperatures", "seed000_thermal_library"]

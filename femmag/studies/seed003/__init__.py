"""Seed 003 (helicity-dependent all-optical switching of a CoPt film): the S003-A stack and the
scalar phase-diagram tools (:mod:`femmag.studies.seed003.scalar_maps`)."""

from femmag.studies.seed003.stacks import (
    FILM_MATERIAL,
    SUBSTRATE_MATERIAL,
    seed003_film,
    seed003_film_layers,
)

__all__ = ["FILM_MATERIAL", "SUBSTRATE_MATERIAL", "seed003_film",
           "seed003_film_layers"]

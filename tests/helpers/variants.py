"""The project's own cassette fixtures: one small file per variant the reader supports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

VARIANTS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "variants"


@dataclass(frozen=True)
class Variant:
    """One fixture file and what the reader must make of it."""

    name: str
    variant: str | None  # the reader's ``Cassette.variant``; None: refused in one line
    interactions: int = 1
    writable: bool = True

    @property
    def path(self) -> Path:
        return VARIANTS_DIR / self.name


VARIANTS = [
    Variant("vcrpy_list_headers.yaml", "vcrpy"),
    Variant("vcrpy_string_headers.yaml", "vcrpy"),
    Variant("vcrpy.json", "vcrpy"),
    Variant("httpx_content.yaml", "vcrpy"),
    Variant("parsed_body.yaml", "vcrpy"),
    Variant("form_bodies.json", "vcrpy", interactions=2),
    Variant("gzip_body.yaml", "vcrpy"),
    Variant("binary_body.yaml", "vcrpy"),
    Variant("vcrpy_gzip.yaml", "vcrpy-gzip", writable=False),
    Variant("pre_1_0.yaml", "vcrpy-pre-1.0", writable=False),
    Variant("betamax.json", "betamax", writable=False),
    Variant("langchain.yaml.gz", "langchain-gzip", writable=False),
    Variant("grpc_stream.yaml", None, interactions=0),
]
BY_NAME = {v.name: v for v in VARIANTS}

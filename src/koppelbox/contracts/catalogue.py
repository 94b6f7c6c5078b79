"""Which APIs koppelbox serves: one per contract file, named by the path prefix its `servers[0].url`
declares (`/wimpel` → `wimpel`), which is also where the sandbox mounts it and how a path is mapped back
to its API (the journal, the error formats, the CLI's `--api` choices)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from koppelbox.contracts.documents import document
from koppelbox.resources import openapi_dir

# The sandbox's own control plane: served like the others, but no vendor builds against it.
CONTROL_PLANE = "sandbox"


@dataclass(frozen=True)
class ApiSpec:
    name: str  # the prefix without its slash: "wimpel", "eduv", "aanmeld", "sandbox"
    prefix: str  # "/wimpel"
    title: str
    path: Path
    version: str = ""  # the contract's info.version

    @property
    def stem(self) -> str:
        """The file name without `.yaml` (`eduv-employees`), also accepted as the API's name."""
        return self.path.stem

    def named(self, name: str) -> bool:
        return name.strip("/").lower() in {self.name, self.stem.lower()}


def discover(directory: Path | None = None) -> list[ApiSpec]:
    """Every contract in `directory` (by default the `openapi/` koppelbox ships), sorted by file name."""
    folder = (directory or openapi_dir()).resolve()
    files = tuple((path, path.stat().st_mtime_ns) for path in sorted(folder.glob("*.yaml")))
    return list(_discover(files))


@functools.lru_cache(maxsize=8)
def _discover(files: tuple[tuple[Path, int], ...]) -> tuple[ApiSpec, ...]:
    specs = []
    for path, _ in files:
        contract = document(path)
        prefix = str(contract["servers"][0]["url"]).rstrip("/")
        info = contract.get("info") or {}
        specs.append(
            ApiSpec(prefix.strip("/"), prefix, str(info["title"]), path, str(info.get("version", "")))
        )
    return tuple(specs)


def api_names(*, control_plane: bool = False) -> list[str]:
    """The APIs a vendor works with (`--api` choices); with `control_plane`, the sandbox's own too."""
    return [s.name for s in discover() if control_plane or s.name != CONTROL_PLANE]


def spec_for(api: str) -> ApiSpec:
    """The contract of the API named `api` (its name or its file's stem); LookupError names the known ones."""
    for spec in discover():
        if spec.named(api):
            return spec
    raise LookupError(f"no contract for API {api!r}; known: {', '.join(api_names())}")


def longest_prefix(path: str, prefixes: Iterable[str]) -> str | None:
    """The longest of `prefixes` that `path` starts with, matching whole segments (`/wimpelx` is not
    under `/wimpel`): how a request path is mapped to its API, and to its error format."""
    best: str | None = None
    for prefix in prefixes:
        bare = prefix.rstrip("/")
        if (path == bare or path.startswith(bare + "/")) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


def api_of_path(path: str, specs: Iterable[ApiSpec] | None = None) -> ApiSpec | None:
    """The API a request path belongs to."""
    by_prefix = {spec.prefix: spec for spec in (specs if specs is not None else discover())}
    found = longest_prefix(path, by_prefix)
    return by_prefix[found] if found is not None else None

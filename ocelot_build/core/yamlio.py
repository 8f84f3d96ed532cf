"""Loading YAML files with errors that name the file, and "did you mean" suggestions.

Every YAML ocelot reads goes through ``parse_yaml``: UTF-8 only, and no anchors or aliases.
Aliases are how a few hundred bytes expand to gigabytes (a 435-byte ``go-replaces`` grew to
321 MB); ocelot's files are short enough that nobody needs them.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import marshal
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from ocelot_build.core.errors import ConfigError
from ocelot_build.core.files import atomic_write_bytes

NO_ALIASES = "anchors and aliases (&, *, <<) are not allowed"


class _RefuseAliases:
    """Refuses a document's first anchor or alias before anything expands it."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(None, None, NO_ALIASES, event.start_mark)
        return super().compose_node(parent, index)  # type: ignore[misc]


class _NoAliasLoader(_RefuseAliases, yaml.SafeLoader):
    """The safe loader without anchors or aliases, all in Python."""


if getattr(yaml, "__with_libyaml__", False):
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    class _FastNoAliasLoader(
        _RefuseAliases,
        yaml.composer.Composer,  # before CParser, whose C composer would skip the refusal
        CParser,
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
    ):
        """The same rules with libyaml's parser: the pure-Python scanner costs seconds per
        MiB, and a distributions file may be large."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    LOADER: type = _FastNoAliasLoader
else:  # pragma: no cover - PyYAML built without libyaml
    LOADER = _NoAliasLoader


def parse_yaml(data: bytes | str, where: str) -> Any:
    """Parse one YAML document; any problem is a ConfigError naming ``where`` and the line."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{where}: not UTF-8 text (byte {exc.start})") from None
    try:
        return yaml.load(data, Loader=LOADER)  # safe construction, no aliases
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}{line}: {problem}") from None


# A large file is parsed once per content: its parsed form is kept (marshal) under ``memo``
# (the cache's ``yaml/``), keyed by the bytes and these rules, so a cache hit does not pay
# for YAML again (15 MB took about 20 s of CPU even with libyaml).
MEMO_MIN_BYTES = 1024 * 1024
MEMO_FORMAT = b"ocelot-yaml-1:no-aliases:safe\n"


def load_yaml(path: Path, what: str, memo: Path | None = None) -> Any:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"{what} {path} cannot be read: {exc.strerror}") from None
    if memo is None or len(data) < MEMO_MIN_BYTES:
        return parse_yaml(data, str(path))
    stored = memo / f"{hashlib.sha256(MEMO_FORMAT + data).hexdigest()}.marshal"
    with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
        return marshal.loads(stored.read_bytes())
    parsed = parse_yaml(data, str(path))
    with contextlib.suppress(OSError, ValueError):  # a read-only cache, a YAML timestamp
        encoded = marshal.dumps(parsed)
        memo.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(stored, encoded)
    return parsed


def closest(word: str, choices: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The choices nearest ``word`` (difflib's ratio), best first: the one rule behind
    every "did you mean" and "nearest valid" hint."""
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=cutoff)


def did_you_mean(word: str, choices: Iterable[str], n: int = 3) -> str:
    """`` (did you mean: a, b)`` or an empty string."""
    close = closest(word, choices, n)
    return f" (did you mean: {', '.join(close)})" if close else ""


def raise_all(errors: list[str], source: Path) -> None:
    """Report every problem at once, on one line, naming the file."""
    if errors:
        raise ConfigError(f"{source}: " + "; ".join(errors))

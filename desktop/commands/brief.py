"""``risk-tracker brief``: build a briefing pack (PDF) from the command line."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from db.classification import DEFAULT_LEVEL, parse_level
from db.engine import open_register
from db.errors import RegisterError
from db.meta import get_meta

DEFAULT_CEILING_KEYS = ("default_ceiling", "ceiling")
MARKING_PREFIX_KEYS = ("marking_prefix",)


def _user_settings() -> object | None:
    """The desktop app's settings (display name, default ceiling, marking prefix)."""
    try:
        from desktop.settings import Settings

        return Settings()
    except Exception:  # pragma: no cover - Qt unavailable: fall back to the defaults
        return None


def _actor(settings: object | None) -> str:
    name = os.environ.get("RISK_TRACKER_USER", "").strip() or str(
        getattr(settings, "display_name", "") or ""
    )
    if name.strip():
        return name.strip()
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no user database on the machine
        return "user"


def preparer_name(explicit: str | None, settings: object | None) -> str | None:
    """The name printed as the pack's preparer: ``--prepared-by``, else the display name
    set in the app (or ``RISK_TRACKER_USER``); never the login name.  None: the cover
    names no preparer."""
    for value in (
        explicit,
        str(getattr(settings, "display_name", "") or ""),
        os.environ.get("RISK_TRACKER_USER", ""),
    ):
        if value and value.strip():
            return value.strip()
    return None


def _setting(session: object, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = get_meta(session, key)  # type: ignore[arg-type]
        if value:
            return value
    return None


def run_brief(args: argparse.Namespace) -> int:
    from desktop.briefing.builder import build_pack, describe_result
    from desktop.briefing.parameters import BriefingParameters, parse_sections

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise RegisterError(f"--out must name a .pdf file: {args.out}")
    if not out.parent.is_dir():
        raise RegisterError(f"the folder {out.parent} does not exist")
    try:
        sections = parse_sections(args.sections, args.exclude_sections)
    except ValueError as exc:
        raise RegisterError(f"--sections: {exc}") from None
    settings = _user_settings()
    register = open_register(getattr(args, "db", None), create=False, check_pages=True)
    try:
        with register.session() as session:
            ceiling_text = (
                args.ceiling
                or _setting(session, DEFAULT_CEILING_KEYS)
                or str(getattr(settings, "default_ceiling", "") or "")
                or DEFAULT_LEVEL.value
            )
            prefix = (
                args.marking_prefix
                if args.marking_prefix is not None
                else (
                    _setting(session, MARKING_PREFIX_KEYS)
                    or str(getattr(settings, "marking_prefix", "") or "")
                )
            )
        try:
            ceiling = parse_level(ceiling_text)
        except ValueError as exc:
            raise RegisterError(f"--ceiling {ceiling_text}: {exc}") from None
        params = BriefingParameters(
            title=args.title or "",
            audience=args.audience,
            date_from=args.date_from,
            date_to=args.date_to,
            since=args.since,
            ceiling=ceiling,
            partnership_refs=list(args.partnership or []),
            sections=sections,
            paper=args.paper,
            marking_prefix=prefix or "",
            invariant=bool(args.invariant),
            bands=None,  # the register's, as every pack and screen uses
            issue=bool(getattr(args, "issue", False)),
            distribution=getattr(args, "distribution", None),
            prepared_by=preparer_name(getattr(args, "prepared_by", None), settings) or "",
            attach_event_log=bool(getattr(args, "event_log", True)),
        )
        max_rows = getattr(args, "max_rows", None)
        if max_rows is not None:
            params.max_rows = max_rows
        try:
            params = params.resolved()
        except ValueError as exc:
            raise RegisterError(str(exc)) from None
        result = build_pack(register, params, out, actor=_actor(settings))
    finally:
        register.dispose()
    print(describe_result(result, str(args.out)))
    return 0

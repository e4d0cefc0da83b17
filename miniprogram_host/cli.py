"""`superapp mp publish DIR --app APPID` and `superapp mp status --app APPID`.

Both talk to a running server over HTTP with the app's own credentials: the secret comes
from ``--secret`` or ``SUPERAPP_APP_SECRET``, the server from ``--server`` or
``SUPERAPP_SERVER`` (default http://127.0.0.1:8000).
"""

from __future__ import annotations

import argparse
import io
import os
import stat
import sys
import zipfile
from pathlib import Path

from infra.i18n import current_locale
from miniprogram_host.config import PackageLimits
from miniprogram_host.packages import check_package
from infra.commands import command
from infra.settings import Settings

_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # same files, same zip, same digest


def _args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="mp_command", required=True)
    publish = sub.add_parser("publish", help="validate, zip and upload a package directory")
    publish.add_argument("directory")
    status = sub.add_parser("status", help="show versions and release state")
    for q in (publish, status):
        q.add_argument("--app", required=True, help="the appId")
        q.add_argument("--secret", default=os.environ.get("SUPERAPP_APP_SECRET"))
        q.add_argument("--server", default=os.environ.get("SUPERAPP_SERVER", "http://127.0.0.1:8000"))


def zip_directory(root: Path) -> bytes:
    """Zip a package directory; symbolic links are kept as links so validation refuses them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if any(part.startswith(".") for part in relative.split("/")) or path.is_dir() and not path.is_symlink():
                continue
            info = zipfile.ZipInfo(relative, _FIXED_TIME)
            if path.is_symlink():
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, os.readlink(path))
                continue
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _print_problems(problems) -> None:
    for p in problems:
        where = f" ({p['path']})" if p.get("path") else ""
        print(f"  {p['code']}: {p['message']}{where}")


def _publish(args: argparse.Namespace, http) -> int:
    root = Path(args.directory)
    if not root.is_dir():
        print(f"mp publish: {root} is not a directory", file=sys.stderr)
        return 2
    archive = zip_directory(root)
    checked = check_package(archive, PackageLimits())
    if not checked.ok:
        print(f"the package has {len(checked.problems)} problem(s); nothing was uploaded:")
        _print_problems([{"code": p.code, "message": p.message, "path": p.path} for p in checked.problems])
        return 1
    response = http.post(f"/mp/apps/{args.app}/packages", content=archive,
                         headers={"content-type": "application/zip"})
    body = _json(response)
    if response.status_code == 201:
        print(f"uploaded {body['appId']} {body['version']}: {body['state']}")
        print(f"  digest {body['digest']} ({body['size']} bytes), signed by key {body['keyId']}")
        return 0
    if response.status_code == 413:
        limit, setting = _limit(body)
        print(f"upload refused: the server takes at most {limit} per request (its {setting}); "
              f"the package is {len(archive)} bytes")
        return 2
    error = body.get("error", {})
    print(f"upload refused: {error.get('code', response.status_code)}: {error.get('message', response.text[:200])}")
    _print_problems(error.get("problems", []))
    return 1 if response.status_code == 422 else 2


def _json(response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _limit(body: dict) -> tuple[str, str]:
    """(how many bytes, which server setting) from a 413 answer."""
    error = (body.get("errors") or [{}])[0]
    extensions = error.get("extensions") or {}
    limit = extensions.get("limit")
    size = f"{limit} bytes" if isinstance(limit, int) else "a limited size"
    return size, extensions.get("setting", "body size limit")


def _status(args: argparse.Namespace, http) -> int:
    response = http.get(f"/mp/apps/{args.app}/status")
    body = _json(response)
    if response.status_code != 200:
        print(f"status refused: {body.get('error', {}).get('message', response.status_code)}")
        return 2
    release = body["release"]
    gray = f"{release['gray']} at {release['grayPercent']}%" if release["gray"] else "none"
    print(f"{body['appId']} {body['name']}: live {release['live'] or 'none'}, gray {gray}"
          + (", OFFLINE" if release["offline"] else ""))
    for v in body["versions"]:
        print(f"  {v['version']:<16} {v['state']:<11} {v['digest'][:12]}  {v['size']} bytes")
        for reason in v["review"].get("reasons", []):
            print(f"      rejected on {reason['item']}: {reason['reason']}")
    return 0


@command("mp", "mini-program developer tools: publish, status", _args)
def mp(args: argparse.Namespace, settings: Settings) -> int:
    import httpx

    if not args.secret:
        print("mp: give the app secret with --secret or SUPERAPP_APP_SECRET", file=sys.stderr)
        return 2
    # The server's problems come back in the language this tool speaks (LANG, as for the rest).
    headers = {"accept-language": current_locale.get()}
    with httpx.Client(base_url=args.server, auth=(args.app, args.secret), headers=headers, timeout=60) as http:
        try:
            return _publish(args, http) if args.mp_command == "publish" else _status(args, http)
        except httpx.HTTPError as exc:
            print(f"mp: cannot reach {args.server}: {exc}", file=sys.stderr)
            return 2

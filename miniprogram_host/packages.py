"""Package validation: the same checks run in `superapp mp publish` and on upload.

Every problem is collected, never only the first, so a developer fixes them in one go.
Nothing here trusts a zip's declared sizes: each member is read in bounded chunks and
abandoned as soon as it exceeds a cap or the compression-ratio limit.
"""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from infra.i18n import Text
from miniprogram_host.config import PackageLimits
from miniprogram_host.errors import PackageProblem
from miniprogram_host.jsapi import JSAPIS, SCOPES, jsapis_called
from miniprogram_host.semver import is_semver

ALLOWED_SUFFIXES = frozenset(
    {".html", ".js", ".css", ".json", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff2", ".txt",
     ".graphql"}  # .graphql: a first-party app's bankOperations
)
DOMAIN_KINDS = ("request", "socket", "upload", "download")
_CHUNK = 64 * 1024
_PAGE = re.compile(r"[A-Za-z0-9_\-]+(?:/[A-Za-z0-9_\-]+)*\.html")
_HOST = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
# A development origin: this machine's own name or address, with an optional port. Only a
# version in development may name one (its manifest's devDomains), and such a version runs
# only in its developers' preview, never in review, gray or release.
_LOOPBACK = re.compile(r"(?:localhost|127\.0\.0\.1)(?::([1-9]\d{0,4}))?")
MAX_DEV_DOMAINS = 10
# A first-party version's images on the bank's own server (its photos' addresses, which the
# GraphQL answers give): path prefixes the container lets into the frame's img-src.
_MEDIA_PATH = re.compile(r"(?:/[a-z0-9][a-z0-9_\-]{0,31}){1,4}/")
MAX_BANK_MEDIA = 4
# A first-party app's name among the bank's own (payroll, parks): how another of them opens it.
_BANK_APP = re.compile(r"[a-z][a-z0-9_]{1,31}")


@dataclass
class CheckedPackage:
    """What the validator learned; `problems` empty means the package may be stored."""

    problems: list[PackageProblem] = field(default_factory=list)
    manifest: dict | None = None
    files: dict[str, bytes] = field(default_factory=dict)

    def fail(self, code: str, message: Text, path: str | None = None) -> None:
        self.problems.append(PackageProblem(code, message, path))

    @property
    def ok(self) -> bool:
        return not self.problems


def check_package(archive: bytes, limits: PackageLimits) -> CheckedPackage:
    """Check an archive on its own (no registry): zip safety, sizes, manifest, JSAPIs."""
    checked = CheckedPackage()
    if len(archive) > limits.archive_bytes:
        checked.fail("ARCHIVE_TOO_LARGE",
                     Text("miniprogram_host.archive_too_large", size=len(archive), limit=limits.archive_bytes))
        return checked
    try:
        zf = zipfile.ZipFile(io.BytesIO(archive))
        members = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        checked.fail("NOT_A_ZIP", Text("miniprogram_host.not_a_zip"))
        return checked
    with zf:
        if not _read_members(zf, members, limits, checked):
            return checked
    manifest = _parse_manifest(checked)
    if manifest is not None:
        _check_manifest(manifest, checked)
        _check_sizes(manifest, checked, limits)
        _check_jsapis(manifest, checked)
    return checked


def _unsafe_name(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return True
    return any(part in ("..", "") for part in name.rstrip("/").split("/"))


def _read_members(zf: zipfile.ZipFile, members: list[zipfile.ZipInfo], limits: PackageLimits,
                  checked: CheckedPackage) -> bool:
    """Read every safe member into `checked.files`; False when the archive was abandoned."""
    files = [m for m in members if not m.filename.endswith("/")]
    if len(files) > limits.max_files:
        checked.fail("TOO_MANY_FILES", Text("miniprogram_host.too_many_files", count=len(files), limit=limits.max_files))
        return False
    seen: set[str] = set()
    spellings: dict[str, str] = {}  # every folder and file name, case-folded -> as first spelt
    budget = limits.total_bytes
    for info in files:
        name = info.filename
        if _unsafe_name(name):
            checked.fail("UNSAFE_PATH", Text("miniprogram_host.unsafe_path"), name)
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            checked.fail("SYMLINK", Text("miniprogram_host.symlink"), name)
            continue
        if name in seen:
            checked.fail("DUPLICATE_ENTRY", Text("miniprogram_host.duplicate_entry"), name)
            continue
        seen.add(name)
        clash = _case_clash(name, spellings)
        if clash is not None:
            # Read on: the file is real, and skipping it would add a spurious PAGE_MISSING.
            first, second = sorted(clash)
            checked.fail("CASE_COLLISION", Text("miniprogram_host.case_collision", first=first, second=second), name)
        if info.flag_bits & 0x1:
            checked.fail("ENCRYPTED_ENTRY", Text("miniprogram_host.encrypted_entry"), name)
            continue
        if PurePosixPath(name).suffix.lower() not in ALLOWED_SUFFIXES:
            checked.fail("FILE_TYPE_NOT_ALLOWED", Text("miniprogram_host.file_type_not_allowed"), name)
            continue
        data = _bounded_read(zf, info, budget, limits, checked)
        if data is None:
            if budget <= 0 or any(p.code == "TOTAL_TOO_LARGE" for p in checked.problems):
                return False  # the uncompressed cap is spent: reading on is what a bomb wants
            continue
        budget -= len(data)
        checked.files[name] = data
    return True


def _case_clash(name: str, spellings: dict[str, str]) -> tuple[str, str] | None:
    """Two names that differ only in case (``pages/index.html``, ``pages/INDEX.html``; or
    folders, ``Pages/`` and ``pages/``) are one file or folder on a case-insensitive disk, as
    on most phones and laptops: which one a client gets would depend on unpacking order."""
    parts = name.split("/")
    for end in range(1, len(parts) + 1):
        spelt = "/".join(parts[:end])
        first = spellings.setdefault(spelt.casefold(), spelt)
        if first != spelt:
            return first, spelt
    return None


def _bounded_read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, limits: PackageLimits,
                  checked: CheckedPackage) -> bytes | None:
    ratio_cap = max(info.compress_size, 1) * limits.max_ratio
    chunks: list[bytes] = []
    total = 0
    try:
        with zf.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > budget:
                    checked.fail("TOTAL_TOO_LARGE", Text("miniprogram_host.total_too_large", limit=limits.total_bytes),
                                 info.filename)
                    return None
                if total > ratio_cap and total > _CHUNK:
                    checked.fail("COMPRESSION_RATIO", Text("miniprogram_host.compression_ratio", limit=limits.max_ratio),
                                 info.filename)
                    return None
                chunks.append(chunk)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, RuntimeError) as exc:
        checked.fail("CORRUPT_ENTRY", Text("miniprogram_host.corrupt_entry", error=exc.__class__.__name__), info.filename)
        return None
    return b"".join(chunks)


def _parse_manifest(checked: CheckedPackage) -> dict | None:
    raw = checked.files.get("manifest.json")
    if raw is None:
        if not any(p.path == "manifest.json" for p in checked.problems):
            checked.fail("MANIFEST_MISSING", Text("miniprogram_host.manifest_missing"), "manifest.json")
        return None
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        checked.fail("MANIFEST_MALFORMED", Text("miniprogram_host.manifest_not_json"), "manifest.json")
        return None
    if not isinstance(manifest, dict):
        checked.fail("MANIFEST_MALFORMED", Text("miniprogram_host.manifest_not_object"), "manifest.json")
        return None
    checked.manifest = manifest
    return manifest


def _str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_manifest(m: dict, checked: CheckedPackage) -> None:
    def bad(field_name: str, message: Text, code: str = "MANIFEST_FIELD_INVALID") -> None:
        checked.fail(code, message, f"manifest.{field_name}")

    if not isinstance(m.get("appId"), str) or not m["appId"]:
        bad("appId", Text("miniprogram_host.app_id_required"))
    if not is_semver(m.get("version")):
        bad("version", Text("miniprogram_host.version_semver"), "VERSION_INVALID")
    if not is_semver(m.get("minClientVersion")):
        bad("minClientVersion", Text("miniprogram_host.min_client_version_semver"), "VERSION_INVALID")
    pages = m.get("pages")
    if not _str_list(pages) or not pages:
        bad("pages", Text("miniprogram_host.pages_list"))
        pages = []
    for page in pages:
        if not _PAGE.fullmatch(page):
            bad("pages", Text("miniprogram_host.page_path", page=repr(page)))
        elif page not in checked.files:
            checked.fail("PAGE_MISSING", Text("miniprogram_host.page_missing", page=page), page)
    entry = m.get("entryPage")
    if not isinstance(entry, str) or entry not in pages:
        bad("entryPage", Text("miniprogram_host.entry_page"), "ENTRY_PAGE_INVALID")
    jsapis = m.get("jsapis", [])
    if not _str_list(jsapis):
        bad("jsapis", Text("miniprogram_host.jsapis_list"))
    else:
        for name in jsapis:
            if name not in JSAPIS:
                checked.fail("UNKNOWN_JSAPI", Text("miniprogram_host.unknown_jsapi", name=name), "manifest.jsapis")
    scopes = m.get("scopes", [])
    if not isinstance(scopes, list):
        bad("scopes", Text("miniprogram_host.scopes_list"))
        scopes = []
    for item in scopes:
        scope = item.get("scope") if isinstance(item, dict) else None
        if scope not in SCOPES:
            checked.fail("UNKNOWN_SCOPE", Text("miniprogram_host.unknown_scope", scope=repr(scope)), "manifest.scopes")
            continue
        reason = item.get("reason")
        if not isinstance(reason, str) or len(reason.strip()) < 4 or len(reason) > 200:
            checked.fail("SCOPE_REASON_MISSING", Text("miniprogram_host.scope_reason", scope=scope), "manifest.scopes")
    domains = m.get("domains", {})
    if not isinstance(domains, dict) or set(domains) - set(DOMAIN_KINDS):
        bad("domains", Text("miniprogram_host.domains_object", kinds=", ".join(DOMAIN_KINDS)))
    else:
        for kind, hosts in domains.items():
            if not _str_list(hosts) or not all(_HOST.fullmatch(h) for h in hosts):
                bad(f"domains.{kind}", Text("miniprogram_host.domain_host_name"))
    media = m.get("bankMedia", [])
    if not _str_list(media) or len(media) > MAX_BANK_MEDIA or not all(_MEDIA_PATH.fullmatch(p) for p in media):
        bad("bankMedia", Text("miniprogram_host.bank_media_paths", max=MAX_BANK_MEDIA))
    code = m.get("bankApp")
    if code is not None and not (isinstance(code, str) and _BANK_APP.fullmatch(code)):
        bad("bankApp", Text("miniprogram_host.bank_app_code"))
    dev = m.get("devDomains", [])
    if not _str_list(dev) or len(dev) > MAX_DEV_DOMAINS or not all(map(is_dev_origin, dev)):
        bad("devDomains", Text("miniprogram_host.dev_domains_manifest", max=MAX_DEV_DOMAINS))
    subpackages = m.get("subpackages", [])
    if not _str_list(subpackages) or not all(re.fullmatch(r"[A-Za-z0-9_\-]+/", s) for s in subpackages):
        bad("subpackages", Text("miniprogram_host.subpackages_list"))


def _check_sizes(m: dict, checked: CheckedPackage, limits: PackageLimits) -> None:
    roots = tuple(s for s in m.get("subpackages", []) if isinstance(s, str)) if isinstance(m.get("subpackages"), list) else ()
    main = sum(len(data) for name, data in checked.files.items() if not (roots and name.startswith(roots)))
    if main > limits.main_bytes:
        checked.fail("MAIN_PACKAGE_TOO_LARGE",
                     Text("miniprogram_host.main_package_too_large", size=main, limit=limits.main_bytes))


def _check_jsapis(m: dict, checked: CheckedPackage) -> None:
    declared = set(m.get("jsapis", [])) if _str_list(m.get("jsapis", [])) else set()
    for name, data in sorted(checked.files.items()):
        if not name.endswith(".js"):
            continue
        for api in sorted(jsapis_called(data.decode("utf-8", errors="replace")) - declared):
            checked.fail("UNDECLARED_JSAPI", Text("miniprogram_host.undeclared_jsapi", api=api), name)


def normalise_domains(domains: dict) -> dict[str, list[str]]:
    return {kind: sorted(set(domains.get(kind, []))) for kind in DOMAIN_KINDS}


def is_host_name(text: str) -> bool:
    return bool(_HOST.fullmatch(text))


def is_dev_origin(text: str) -> bool:
    """``localhost`` or ``127.0.0.1``, each with an optional port (1 to 65535)."""
    found = _LOOPBACK.fullmatch(text)
    return found is not None and (found.group(1) is None or int(found.group(1)) <= 65535)


def dev_domains_of(manifest: dict) -> list[str]:
    """The development origins a version's manifest names (empty: not a development version)."""
    dev = manifest.get("devDomains")
    return [d for d in dev if isinstance(d, str)] if isinstance(dev, list) else []

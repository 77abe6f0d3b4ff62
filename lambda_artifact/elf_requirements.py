"""What one ELF shared object asks of the system that loads it: NEEDED libraries, search paths, glibc.

Read with pyelftools from the file's bytes, so a library inside a zip is inspected without unpacking
it and without running the loader (ldd would resolve against this machine, not against Lambda).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection

ELF_MAGIC = b"\x7fELF"
GLIBC_VERSION = re.compile(r"^GLIBC_(\d+)\.(\d+)(?:\.(\d+))?$")
# The dynamic tags we read, and the attribute pyelftools sets on each with its string from .dynstr.
STRING_TAG_ATTRIBUTES = {
    "DT_NEEDED": "needed",
    "DT_RUNPATH": "runpath",
    "DT_RPATH": "rpath",
}


class NotAnElfObject(ValueError):
    """The bytes are not a readable ELF file."""


@dataclass(frozen=True)
class ElfRequirements:
    machine: str  # pyelftools' e_machine name, "EM_X86_64" for Lambda's x86_64 architecture
    elf_class: int  # 32 or 64
    needed: tuple[str, ...]  # DT_NEEDED, in load order
    search_paths: tuple[str, ...]  # DT_RUNPATH, else DT_RPATH, split on ":" ($ORIGIN left as is)
    glibc: tuple[int, ...] | None  # highest GLIBC_x.y[.z] symbol version required, None if no versioned needs

    @property
    def glibc_text(self) -> str:
        return "GLIBC_" + ".".join(map(str, self.glibc)) if self.glibc else "-"


def is_elf(head: bytes) -> bool:
    return head.startswith(ELF_MAGIC)


def read_elf_requirements(data: bytes) -> ElfRequirements:
    """Parse an ELF image from memory; raise NotAnElfObject when it is not one."""
    try:
        elf = ELFFile(io.BytesIO(data))
        dynamic = _dynamic_tags(elf)
        glibc = _highest_glibc(elf)
    except ELFError as error:
        raise NotAnElfObject(str(error)) from error
    search = dynamic.get("DT_RUNPATH") or dynamic.get("DT_RPATH") or []
    return ElfRequirements(
        machine=elf["e_machine"],
        elf_class=elf.elfclass,
        needed=tuple(dynamic.get("DT_NEEDED", [])),
        search_paths=tuple(part for entry in search for part in entry.split(":") if part),
        glibc=glibc,
    )


def _dynamic_tags(elf: ELFFile) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    for section in elf.iter_sections():
        if not isinstance(section, DynamicSection):
            continue
        for tag in section.iter_tags():
            attribute = STRING_TAG_ATTRIBUTES.get(tag.entry.d_tag)
            if attribute:
                tags.setdefault(tag.entry.d_tag, []).append(str(getattr(tag, attribute)))
    return tags


def _highest_glibc(elf: ELFFile) -> tuple[int, ...] | None:
    # .gnu.version_r lists, per needed library, the symbol versions this object binds to; the
    # loader refuses the object when libc lacks any of them ("version `GLIBC_2.38' not found").
    versions = [
        tuple(int(part) for part in match.groups() if part is not None)
        for section in elf.iter_sections()
        if isinstance(section, GNUVerNeedSection)
        for _, auxiliaries in section.iter_versions()
        for auxiliary in auxiliaries
        if (match := GLIBC_VERSION.match(auxiliary.name))
    ]
    return max(versions) if versions else None

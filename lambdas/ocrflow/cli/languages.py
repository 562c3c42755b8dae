"""``-l`` / ``--lang``: Tesseract's language codes (``eng``, ``deu+fra``, ``chi_sim``) mapped to
what ocrflow reads them with. ocrflow has no model per language: it has a recogniser over an
alphabet. Latin-script languages are read with the Latin-script head (the default, its best
accuracy); Chinese and Japanese need the full recogniser, whose alphabet holds their
characters. Any other code is refused with the list, rather than read badly without a word.
"""

from __future__ import annotations

import argparse

from ..registry import text_reader

LATIN = ("afr cat ceb ces cos cym dan deu eng enm epo est eus fao fil fin fra frk frm fry gla gle glg hat hrv "
         "hun ind isl ita ita_old jav lat lav lit ltz mlt mri msa nld nor oci pol por que ron slk slv spa spa_old "
         "sqi srp_latn swa swe tgl ton tur uzb vie yor").split()
FULL = ("chi_sim", "chi_tra", "jpn", "chi_sim_vert", "chi_tra_vert", "jpn_vert")
DEFAULT = "eng"

# The settings the full alphabet needs, by stage (the Latin alphabet needs none: it is the default),
# and their environment names (the settings classes' env_prefix), written here because `ocrflow run`
# reads -l before it asks the daemon, on a path that imports no pydantic.
FULL_SETTINGS = {text_reader().name: {"model": "pp-ocrv6-rec-small", "alphabet": "all"}}
ENV_PREFIX = {name: f"OCRFLOW_{name.upper()}_" for name in FULL_SETTINGS}


def known() -> list[str]:
    return sorted(LATIN) + list(FULL)


def parse(value: str) -> tuple[str, ...]:
    """``eng+fra`` -> ("eng", "fra"); an unknown code is an argparse error naming the known ones."""
    codes = tuple(code for code in value.split("+") if code)
    unknown = [code for code in codes if code not in LATIN and code not in FULL]
    if unknown or not codes:
        raise argparse.ArgumentTypeError(
            f"unknown language {'+'.join(unknown) or repr(value)}; ocrflow reads: {' '.join(known())}")
    return codes


def stage_settings(codes: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Settings fields by stage name for these languages (``StageCache``, ``OCR()``); none for Latin."""
    full = any(code in FULL for code in codes)
    return {stage: dict(fields) for stage, fields in FULL_SETTINGS.items()} if full else {}


def settings_environment(codes: tuple[str, ...]) -> dict[str, str]:
    """The same as environment variables: what a daemon compares with the settings it was started with."""
    return {ENV_PREFIX[stage] + name.upper(): value
            for stage, fields in stage_settings(codes).items() for name, value in fields.items()}


def from_argv(argv: list[str]) -> tuple[str, ...] | None:
    """The ``-l`` value in a raw ``run`` command line (read before the daemon is asked, whose models
    are loaded for its own settings), or None; an unknown value is left to the parser to refuse."""
    for index, arg in enumerate(argv):
        value = None
        if arg in ("-l", "--lang") and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-l") and len(arg) > 2 and not arg.startswith("--"):
            value = arg[2:]
        if value is not None:
            try:
                return parse(value)
            except argparse.ArgumentTypeError:
                return None
    return None

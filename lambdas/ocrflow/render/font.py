"""The glyph-less font of a searchable PDF's text layer, as Tesseract and ocrmypdf embed one.

Every character is drawn with one empty glyph, so the layer is invisible whatever the
viewer, yet a real, embedded font (``pdffonts``: emb yes, uni yes). The text is written
as two-byte character ids (Identity-H); the ``ToUnicode`` map turns each id back into its
character, any Unicode character at all, so ``pdftotext``, search and copy read the words
as they were recognised. Ids are given per font from the characters it is asked to carry.
"""

from __future__ import annotations

import io
from functools import lru_cache

FONT_NAME = "GlyphLessFont"
RESOURCE = "/f-0-0"  # the name ocrmypdf's graft looks for in a text-only page (Tesseract's)
ADVANCE = 500  # glyph width in 1/1000 of the font size: a character is half as wide as it is high


@lru_cache(maxsize=1)
def glyphless_truetype() -> bytes:
    """A TrueType font of .notdef and one glyph that draws nothing, built once per process with fontTools."""
    # fontTools only when a searchable PDF is written
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "glyph1"])
    builder.setupCharacterMap({})
    # The glyph is a contour of no area (it fills nothing) whose bounds are the character's cell: PDFium
    # finds characters by their glyph's box, and loses the text of turned pages when it is empty.
    pen = TTGlyphPen(None)
    pen.moveTo((0, 0))
    pen.lineTo((ADVANCE, 1000))
    pen.closePath()
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "glyph1": pen.glyph()})
    builder.setupHorizontalMetrics({".notdef": (ADVANCE, 0), "glyph1": (ADVANCE, 0)})
    builder.setupHorizontalHeader(ascent=1000, descent=0)
    builder.setupNameTable({"familyName": FONT_NAME, "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=1000, sTypoDescender=0, usWinAscent=1000, usWinDescent=0)
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


class CharacterIds:
    """Character -> two-byte id (1, 2, ...), in the order characters are first met."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def encode(self, text: str) -> bytes:
        out = bytearray()
        for char in text:
            code = self.ids.setdefault(char, len(self.ids) + 1)
            if code > 0xFFFF:
                raise ValueError("more than 65535 distinct characters in one font")
            out += code.to_bytes(2, "big")
        return bytes(out)

    def to_unicode(self) -> bytes:
        """A CMap from each id to its character's UTF-16BE (a surrogate pair beyond the BMP)."""
        entries = [f"<{code:04X}> <{char.encode('utf-16-be').hex().upper()}>" for char, code in self.ids.items()]
        chunks = [entries[i:i + 100] for i in range(0, len(entries), 100)]  # at most 100 per block
        body = "".join(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n" for chunk in chunks)
        return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" + body +
                "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n").encode()


def add_font(pdf, ids: CharacterIds):
    """The Type0 font dictionary (indirect, in ``pdf``) for text encoded with ``ids``."""
    # pikepdf only when a searchable PDF is written
    import zlib

    import pikepdf
    from pikepdf import Array, Dictionary, Name

    every_id_to_glyph1 = b"\x00\x00" + b"\x00\x01" * max(1, len(ids.ids))
    # The glyph box is the word's box: baseline at its bottom, ascent at its top (a descent of 0 reads
    # as "none given" to poppler, which then puts in its own, so -1).
    descriptor = pdf.make_indirect(Dictionary(
        Type=Name.FontDescriptor, FontName=Name("/" + FONT_NAME), Flags=5, FontBBox=Array([0, 0, ADVANCE, 1000]),
        ItalicAngle=0, Ascent=1000, Descent=-1, CapHeight=1000, StemV=80,
        FontFile2=pikepdf.Stream(pdf, glyphless_truetype())))
    cid_font = Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name("/" + FONT_NAME),
        CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"),
                                 Supplement=0),
        FontDescriptor=descriptor, DW=ADVANCE,
        CIDToGIDMap=pikepdf.Stream(pdf, zlib.compress(every_id_to_glyph1), Filter=Name.FlateDecode))
    to_unicode = pikepdf.Stream(pdf, zlib.compress(ids.to_unicode()), Filter=Name.FlateDecode)
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=Name("/" + FONT_NAME), Encoding=Name("/Identity-H"),
        DescendantFonts=Array([pdf.make_indirect(cid_font)]), ToUnicode=to_unicode))

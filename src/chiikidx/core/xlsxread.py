"""Cell values of xlsx worksheets, read with the standard library (zipfile and expat).

What it reads, exactly as ``openpyxl.load_workbook(data_only=True)`` followed by
``ws.iter_rows()`` shows it (core.tabular relied on that before, and its tests compare both):

- the sheet list of xl/workbook.xml (chartsheets are listed but hold no cells), the active tab,
  the 1900 or 1904 date system;
- cell values: shared and inline strings (plain text: rich-text runs joined, phonetic ``<rPh>``
  runs left out, ``_x000D_``-style escapes kept as they are, like openpyxl), numbers as int or
  float, booleans, error texts such as "#N/A", ISO 8601 ``t="d"`` cells, and numbers whose
  number format is a date or time format as datetime/time/timedelta;
- the number format of every other number that is not "General" (a caller shows "30%");
- one thing openpyxl does not do: Excel's Japanese builtin number formats (ids 27–36 and
  50–58, such as ggge"年"m"月"d"日", which a file saved by Japanese Excel references without
  defining them) are known, so dates in those formats read as dates, not serial numbers;
- merged ranges, with the value of every non-anchor cell of a range dropped (openpyxl keeps an
  empty MergedCell object there);
- the sheet's extent: every ``<c>`` counts, empty or not, and so do the cells of merged ranges,
  hyperlinks and comments, which openpyxl creates; rows and columns start at A1.

What it deliberately does not do:

- formulas are not evaluated: only the value Excel cached in ``<v>`` counts;
- only the sheets asked for are parsed (openpyxl parses them all), and drawings, charts, pivot
  tables, tables, styles beyond number formats, defined names and VBA are never looked at;
- a file openpyxl cannot open is an XlsxError here too, but so are the few broken files on
  which openpyxl fails with an unexpected exception (bad XML, a shared-string or style index
  out of range, an invalid cell reference); an XML entity declaration is refused (openpyxl
  refuses it through defusedxml).

The shared strings and styles parts are found through the workbook's relationships (then the
content types, then their usual names); openpyxl uses the content types and xl/styles.xml.
Both agree on every file Excel, LibreOffice, Google Sheets or openpyxl writes.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles.numbers import (
    BUILTIN_FORMATS,
    BUILTIN_FORMATS_MAX_SIZE,
    is_date_format,
    is_timedelta_format,
)
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601
from openpyxl.workbook.child import INVALID_TITLE_REGEX, avoid_duplicate_name

__all__ = ["Sheet", "Workbook", "XlsxError"]

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WORKBOOK_TYPES = [  # in the order openpyxl looks for them
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
]
_SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)

# expat reports a namespaced name as "namespace-uri localname"
_ROW = f"{MAIN_NS} row"
_VALUE = f"{MAIN_NS} v"
_T = f"{MAIN_NS} t"
_INLINE = f"{MAIN_NS} is"
_SHARED = f"{MAIN_NS} si"
_MERGES = f"{MAIN_NS} mergeCells"
_LINKS = f"{MAIN_NS} hyperlinks"
_REL_ID = f"{REL_NS} id"

# Everything a damaged or foreign file makes zipfile, expat or the value casts raise.
_BROKEN = (
    expat.ExpatError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    OverflowError,
    RuntimeError,  # an encrypted zip member
)
# The compression methods zipfile reads; a member packed another way is refused on opening.
_COMPRESSIONS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


class XlsxError(Exception):
    """The data is not an xlsx workbook this module can read (or the file is damaged)."""


@dataclass
class Sheet:
    """One worksheet's values as ``ws.iter_rows()`` of openpyxl yields them."""

    name: str
    # rows 1..max_row, each with columns 1..max_col; [] for a sheet without any cell
    rows: list[list[Any]] = field(default_factory=list)
    # 0-based (row, col) → number format, for int/float values whose format is not "General"
    number_formats: dict[tuple[int, int], str] = field(default_factory=dict)
    # merged ranges as 1-based (min_row, min_col, max_row, max_col), in file order
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


@dataclass
class _Part:
    name: str
    path: str
    chart: bool  # a chartsheet: listed among the sheets, but not a worksheet


@dataclass
class _Styles:
    number_formats: list[str]  # by cell style (xf) index
    dates: set[int]  # style indexes whose format is a date or time format
    timedeltas: set[int]  # style indexes whose format is a duration ([h]:mm and the like)


class Workbook:
    """An xlsx file opened for reading values; sheets are parsed only when read."""

    def __init__(self, data: bytes):
        self._strings: list[str] | None = None  # read with the first sheet that is read
        self._styles: _Styles | None = None
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            unknown = {i.compress_type for i in self._zip.infolist()} - _COMPRESSIONS
            if unknown:
                raise XlsxError(f"unsupported zip compression methods {sorted(unknown)}")
            self._files = set(self._zip.namelist())
            self._open()
        except XlsxError:
            raise
        except _BROKEN as exc:
            raise XlsxError(f"not a readable xlsx file: {exc!r}") from exc

    @property
    def sheetnames(self) -> list[str]:
        """Every sheet in workbook order, chartsheets included (openpyxl's wb.sheetnames)."""
        return [part.name for part in self._parts]

    @property
    def worksheets(self) -> list[str]:
        """The names of the sheets that hold cells, in workbook order."""
        return [part.name for part in self._parts if not part.chart]

    @property
    def active(self) -> str | None:
        """The sheet Excel shows first, if it is a worksheet."""
        try:
            part = self._parts[self._active]
        except IndexError:
            return None
        return None if part.chart else part.name

    def read(self, name: str) -> Sheet:
        """The values of one sheet of `sheetnames` (KeyError for another name).

        A chartsheet reads as a sheet without cells.
        """
        part = self._find(name)
        if part.chart:
            return Sheet(name=part.name)
        try:
            return self._read(part)
        except XlsxError:
            raise
        except _BROKEN as exc:
            raise XlsxError(f"cannot read sheet {name!r}: {exc!r}") from exc

    # --- the package -----------------------------------------------------------------

    def _open(self) -> None:
        self._types = _elements(self._zip.read("[Content_Types].xml"))
        workbook = _workbook_part(self._types)
        rels = _relationships(self._zip, _rels_path(workbook))
        date1904, active, sheets = _workbook(self._zip.read(workbook))
        self._epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
        self._active = active
        self._rels = rels
        self._parts: list[_Part] = []
        for name, rel_id in sheets:
            if not rel_id:
                continue  # openpyxl drops such a sheet (old xlsm files have them)
            rel_type, target = rels[rel_id]
            if target not in self._files:
                continue
            chart = "chartsheet" in rel_type
            self._parts.append(_Part(self._title(name, chart), target, chart))

    def _title(self, name: str | None, chart: bool) -> str:
        # openpyxl's sheet title rules: a nameless worksheet is "Sheet", a duplicate gets a
        # number, and a name Excel forbids makes the file unreadable.
        if name is None:
            raise XlsxError("a sheet without a name")
        title = name or ("" if chart else "Sheet")
        if not title or INVALID_TITLE_REGEX.search(title):
            raise XlsxError(f"invalid sheet name {name!r}")
        return avoid_duplicate_name(self.sheetnames, title)

    def _find(self, name: str) -> _Part:
        # Like openpyxl's wb[name]: worksheets first, then chartsheets.
        for part in sorted(self._parts, key=lambda p: p.chart):
            if part.name == name:
                return part
        raise KeyError(name)

    def _part_path(self, rel_suffix: str, content_type: str | None, usual: str) -> str | None:
        for rel_type, target in self._rels.values():
            if rel_type.endswith(rel_suffix) and target in self._files:
                return target
        if content_type:
            for tag, attrs in _children(self._types):
                if tag == "Override" and attrs.get("ContentType") == content_type:
                    path = attrs.get("PartName", "")[1:]
                    if path in self._files:
                        return path
        return usual if usual in self._files else None

    def _shared_strings(self) -> list[str]:
        if self._strings is None:
            path = self._part_path("/sharedStrings", _SHARED_STRINGS_TYPE, "xl/sharedStrings.xml")
            self._strings = _read_strings(self._zip.read(path)) if path else []
        return self._strings

    def _cell_styles(self) -> _Styles:
        if self._styles is None:
            path = self._part_path("/styles", None, "xl/styles.xml")
            self._styles = _read_styles(self._zip.read(path) if path else None)
        return self._styles

    def _read(self, part: _Part) -> Sheet:
        strings = self._shared_strings()
        styles = self._cell_styles()
        parsed = _SheetData(strings, styles, self._epoch)
        parsed.parse(self._zip.read(part.path))
        rels_path = _rels_path(part.path)
        rels = _relationships(self._zip, rels_path) if rels_path in self._files else {}
        return parsed.sheet(part.name, rels, _comment_refs(self._zip, rels))


# --- small XML parts ----------------------------------------------------------------------


def _parser() -> Any:
    """A namespace-aware expat parser that refuses entity declarations."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True

    def forbidden(*_args: Any) -> None:
        # Entity declarations are how XML bombs work; openpyxl (defusedxml) refuses them too.
        raise ValueError("entity declarations are not allowed")

    parser.EntityDeclHandler = forbidden
    parser.ExternalEntityRefHandler = forbidden
    return parser


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


def _elements(xml: bytes) -> list[tuple[int, str, dict[str, str]]]:
    """(depth, local name, attributes) of every element; the root is at depth 1."""
    found: list[tuple[int, str, dict[str, str]]] = []
    depth = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        found.append((depth, _local(name), attrs))

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    parser = _parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.Parse(xml, True)
    return found


def _children(elements: list[tuple[int, str, dict[str, str]]]) -> list[tuple[str, dict]]:
    return [(tag, attrs) for depth, tag, attrs in elements if depth == 2]


def _groups(elements: list, parent: str, child: str | None = None) -> list[dict[str, str]]:
    """Attributes of the children (named `child`, or all) of the root's last `parent` element.

    openpyxl keeps the last of repeated elements; its typed lists take the children of their
    own tag only, its nested lists every child.
    """
    children: list[dict[str, str]] = []
    inside = False
    for depth, tag, attrs in elements:
        if depth == 2:
            inside = tag == parent
            if inside:
                children = []
        elif depth == 3 and inside and child in (None, tag):
            children.append(attrs)
    return children


def _workbook_part(types: list) -> str:
    overrides = [a for tag, a in _children(types) if tag == "Override"]
    for content_type in _WORKBOOK_TYPES:
        for attrs in overrides:
            if attrs.get("ContentType") == content_type:
                return attrs["PartName"][1:]
    defaults = {a.get("ContentType") for tag, a in _children(types) if tag == "Default"}
    if defaults & set(_WORKBOOK_TYPES):
        return "xl/workbook.xml"
    raise XlsxError("no workbook part")


def _rels_path(path: str) -> str:
    folder, name = posixpath.split(path)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _relationships(archive: zipfile.ZipFile, path: str) -> dict[str, tuple[str, str]]:
    """Id → (type, target as a path in the zip), targets resolved like openpyxl does."""
    rels = [attrs for _tag, attrs in _children(_elements(archive.read(path)))]
    if any("Type" not in a or "Target" not in a for a in rels):
        return {}  # openpyxl warns and ignores the whole file
    base = posixpath.split(posixpath.dirname(path))[0]  # the folder the rels file is about
    found = {}
    for attrs in rels:
        target = attrs["Target"]
        if attrs.get("TargetMode") == "External":
            pass
        elif target.startswith("/"):
            target = target[1:]
        else:
            target = posixpath.normpath(posixpath.join(base, target))
        found[attrs.get("Id")] = (attrs["Type"], target)
    return found


def _workbook(xml: bytes) -> tuple[bool, int, list[tuple[str | None, str | None]]]:
    """(1904 date system, active tab index, [(name, relationship id)]) of workbook.xml."""
    elements = _elements(xml)
    date1904 = False
    for tag, attrs in _children(elements):
        if tag == "workbookPr":  # the last one wins, as in openpyxl
            date1904 = attrs.get("date1904", "") not in ("", "false", "f", "0")
    views = _groups(elements, "bookViews")
    active = int(views[0].get("activeTab", 0)) if views else 0  # openpyxl: the first view's
    sheets = [
        (attrs.get("name"), attrs.get(_REL_ID, attrs.get("id")))
        for attrs in _groups(elements, "sheets")
    ]
    return date1904, active, sheets


# Excel's builtin number formats of the Japanese locale (ECMA-376 Part 1, 18.8.30, ja-JP):
# Japanese Excel refers to them by id without writing their codes into the file.
JAPANESE_BUILTIN_FORMATS = {
    27: "[$-411]ge.m.d",
    28: '[$-411]ggge"年"m"月"d"日"',
    29: '[$-411]ggge"年"m"月"d"日"',
    30: "m/d/yy",
    31: 'yyyy"年"m"月"d"日"',
    32: 'h"時"mm"分"',
    33: 'h"時"mm"分"ss"秒"',
    34: 'yyyy"年"m"月"',
    35: 'm"月"d"日"',
    36: "[$-411]ge.m.d",
    50: "[$-411]ge.m.d",
    51: '[$-411]ggge"年"m"月"d"日"',
    52: 'yyyy"年"m"月"',
    53: 'm"月"d"日"',
    54: '[$-411]ggge"年"m"月"d"日"',
    55: 'yyyy"年"m"月"',
    56: 'm"月"d"日"',
    57: "[$-411]ge.m.d",
    58: '[$-411]ggge"年"m"月"d"日"',
}


def _read_styles(xml: bytes | None) -> _Styles:
    """Number formats by cell style, normalised the way openpyxl's Stylesheet does it."""
    elements = _elements(xml) if xml is not None else []
    formats = _groups(elements, "numFmts", "numFmt")
    custom = {int(a["numFmtId"]): a["formatCode"] for a in formats}
    ids = [int(a.get("numFmtId", 0)) for a in _groups(elements, "cellXfs", "xf")]
    if not ids:  # no cell styles: openpyxl keeps its one default style
        return _Styles(["General"], set(), set())
    added: list[str] = []  # openpyxl numbers the custom formats it meets from 164 on
    codes: list[str | None] = []
    for numfmt_id in ids:
        code = custom.get(numfmt_id)
        if code is None:
            code = BUILTIN_FORMATS.get(numfmt_id) or JAPANESE_BUILTIN_FORMATS.get(numfmt_id)
        elif code not in BUILTIN_FORMATS.values() and code not in added:
            added.append(code)
        codes.append(code)
    number_formats = []
    for numfmt_id, code in zip(ids, codes, strict=True):
        if code is None and numfmt_id >= BUILTIN_FORMATS_MAX_SIZE:
            # An id without a format: openpyxl looks it up among the formats it numbered.
            index = numfmt_id - BUILTIN_FORMATS_MAX_SIZE
            code = added[index] if index < len(added) else None
        number_formats.append(code if code is not None else "General")
    dates = {i for i, code in enumerate(codes) if is_date_format(code)}
    timedeltas = {i for i, code in enumerate(codes) if is_timedelta_format(code)}
    return _Styles(number_formats, dates, timedeltas)


def _comment_refs(archive: zipfile.ZipFile, rels: dict[str, tuple[str, str]]) -> list[str]:
    """Cells that have a comment (openpyxl creates them, so they widen the sheet)."""
    refs = []
    for rel_type, target in rels.values():
        if rel_type == f"{REL_NS}/comments":
            elements = _elements(archive.read(target))
            refs.extend(a["ref"] for a in _groups(elements, "commentList"))
    return refs


# --- text -----------------------------------------------------------------------------------


class _RichText:
    """The plain text of an <si> or <is> element, as openpyxl's Text.content gives it.

    The element's own <t> (the last one, if there are several) comes first, then the <t> of
    each <r> run; phonetic <rPh> runs and everything else are left out. Of every <t> only the
    text before a child element counts (ElementTree's .text).
    """

    __slots__ = ("depth", "plain", "run_depth", "run_text", "runs")

    def __init__(self, depth: int):
        self.depth = depth
        self.plain = ""
        self.runs: list[str] = []
        self.run_depth = 0
        self.run_text = ""

    def target(self, name: str, depth: int) -> int:
        """What a <t> starting here is: 1 the plain text, 2 a run's text, 0 neither."""
        if depth == self.depth + 1:
            local = _local(name)
            if local == "t":
                return 1
            if local == "r":
                self.run_depth, self.run_text = depth, ""
        elif depth == self.run_depth + 1 and self.run_depth and _local(name) == "t":
            return 2
        return 0

    def end(self, depth: int) -> None:
        if depth == self.run_depth:
            self.runs.append(self.run_text)
            self.run_depth = 0

    def content(self) -> str:
        return self.plain + "".join(self.runs)


def _read_strings(xml: bytes) -> list[str]:
    """The shared string table (openpyxl's read_string_table)."""
    strings: list[str] = []
    depth = 0
    text: _RichText | None = None
    kind = text_depth = 0
    buf: list[str] = []
    capturing = False

    def start(name: str, _attrs: dict) -> None:
        nonlocal depth, text, kind, text_depth, buf, capturing
        depth += 1
        capturing = False
        if text is not None:
            target = text.target(name, depth)
            if target:
                kind, text_depth, buf, capturing = target, depth, [], True
        elif name == _SHARED:
            text = _RichText(depth)

    def end(_name: str) -> None:
        nonlocal depth, text, text_depth, capturing
        if text is not None:
            if depth == text_depth:
                if kind == 1:
                    text.plain = "".join(buf)
                else:
                    text.run_text = "".join(buf)
                text_depth, capturing = 0, False
            elif depth == text.depth:
                strings.append(text.content().replace("x005F_", ""))
                text = None
            else:
                text.end(depth)
        depth -= 1

    def chars(data: str) -> None:
        if capturing:
            buf.append(data)

    parser = _parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.Parse(xml, True)
    return strings


# --- worksheets -----------------------------------------------------------------------------


def _row_number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        number = float(value)
        if not number.is_integer():
            raise
        return int(number)


# --- the plain shapes of a worksheet, read without expat ---------------------------------
#
# Nearly every <sheetData> Excel, LibreOffice or openpyxl writes is made of a few shapes only:
# <row r="1" …>, <c r="A1" s="1" t="s"><v>0</v></c>, <c … t="inlineStr"><is><t>…</t></is></c>,
# empty cells and </row>, in the main namespace, with no whitespace between them. One regular
# expression reads those about three times faster than expat calling Python for every element
# (the bulk imports read thousands of cells). A body with anything else in it, or anything
# whose reading would need an XML parser's care (a character reference or other entity than
# the five named ones, a carriage return, a control character, "]]>", a namespace declaration,
# an attribute of an unknown prefix), is read by expat as before; tests compare both.

_NAME = r"[A-Za-z_][\w.-]*"
_PLAIN_ATTRIBUTE = re.compile(r'([\w.:-]+)="([^"]*)"')
_NOT_PLAIN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]|]]>")
_NAMED_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}
_ENTITY = re.compile(r"&[^;<]*;?")
_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding=["']([^"']*)["']""")
_PREFIX = re.compile(rb"xmlns:([A-Za-z_][\w.-]*)=")
_OPEN, _CLOSE = b"<sheetData>", b"</sheetData>"


@functools.lru_cache(maxsize=16)
def _plain_token(prefixes: frozenset[str]) -> re.Pattern:
    """The tokens of a plain body, whose attributes may have the prefixes the root element
    declares (Excel writes x14ac:dyDescent on rows) and xml: (xml:space on <t>), but not
    xmlns (_plain_sheet_data lets no namespace declaration through). Attribute values hold
    no entity (so need no unescaping) and no tab or line break (which XML would turn into
    spaces)."""
    prefix = "|".join(sorted(re.escape(p) for p in {*prefixes, "xml"} if p != "xmlns"))
    # (XML's whitespace only: \s would take an ideographic space, which expat refuses.)
    attrs = rf'(?:[ \t\n]+(?:(?:{prefix}):)?{_NAME}="[^"<&\t\n\r]*")*[ \t\n]*'
    # A cell's r, s and t, written in that order by Excel and openpyxl, are groups of their
    # own; any other attributes (or another order) are read from the group after them.
    value = r'="([^"<&\t\n\r]*)"'
    return re.compile(
        rf"<row({attrs})(/?)>"
        r"|</row>"
        rf"|<c(?: r{value})?(?: s{value})?(?: t{value})?({attrs})"
        rf"(?:/>|>(?:<v>([^<]*)</v>|<is><t{attrs}>([^<]*)</t></is>)?</c>)"
    )


class _NotPlain(Exception):
    """The sheet data has something the plain reading does not take: expat reads it."""


def _plain_sheet_data(xml: bytes) -> tuple[bytes, str, re.Pattern, bytes] | None:
    """(the XML before <sheetData>, the body as text, the pattern of its tokens, the XML after
    </sheetData>) when the document is UTF-8, in the main namespace by default, with one
    sheetData whose text needs no XML parser's care; else None."""
    if xml.count(_OPEN) != 1 or xml.count(_CLOSE) != 1:
        return None
    start, end = xml.index(_OPEN), xml.index(_CLOSE)
    head = xml[:start]
    declared = _ENCODING.match(head)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return None
    if f'xmlns="{MAIN_NS}"'.encode() not in head or end < start:
        return None
    try:
        body = xml[start + len(_OPEN) : end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _NOT_PLAIN_TEXT.search(body) or "xmlns" in body:  # (a namespace declared inside)
        return None
    if "&" in body and any(e not in _NAMED_ENTITIES for e in _ENTITY.findall(body)):
        return None  # a character reference, or an entity XML does not define
    prefixes = frozenset(p.decode() for p in _PREFIX.findall(head))
    return head, body, _plain_token(prefixes), xml[end + len(_CLOSE) :]


def _plain_tokens(body: str, pattern: re.Pattern) -> list[re.Match]:
    """Every token of the body, which must be made of nothing else, with every cell in a row
    and every row closed (_NotPlain otherwise: expat reads it, or finds it broken)."""
    tokens, position, in_row = [], 0, False
    for token in pattern.finditer(body):
        if token.start() != position:
            raise _NotPlain
        if token.group(6) is None:  # a row's start, a whole empty row or a row's end
            closing = token.group(0) == "</row>"
            if closing != in_row:
                raise _NotPlain
            in_row = not closing and not token.group(2)
        elif not in_row:
            raise _NotPlain
        tokens.append(token)
        position = token.end()
    if position != len(body) or in_row:
        raise _NotPlain
    return tokens


def _plain_attributes(text: str) -> dict[str, str]:
    return dict(_PLAIN_ATTRIBUTE.findall(text))  # (values without entities: see _plain_token)


def _unescaped(text: str) -> str:
    """The text with its named entities replaced (_plain_sheet_data let no other through)."""
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda entity: _NAMED_ENTITIES[entity.group(0)], text)


class _SheetData:
    """A worksheet's cells, collected by one expat pass over its XML."""

    def __init__(self, strings: list[str], styles: _Styles, epoch: Any):
        self.strings = strings
        self.styles = styles
        self.epoch = epoch
        self.cells: dict[tuple[int, int], Any] = {}
        self.formats: dict[tuple[int, int], str] = {}
        self.merges: list[dict[str, str]] = []  # attributes of <mergeCell>
        self.links: list[dict[str, str]] = []  # attributes of <hyperlink>
        self.anchors: dict[tuple[int, int], tuple[int, int]] = {}  # merged cell → its anchor
        self.columns: dict[str, int] = {}

    def parse(self, xml: bytes) -> None:
        split = _plain_sheet_data(xml)
        if split is not None and self._read_plain_cells(split[1], split[2]):
            xml = split[0] + b"<sheetData/>" + split[3]  # the rest: merges, links
        parser = _parser()
        start, end, chars = self._handlers()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        parser.Parse(xml, True)

    def _handlers(self) -> tuple[Callable, Callable, Callable]:
        # One state machine over local variables: this runs for every element of the sheet,
        # so the common shapes <c><v>1</v></c> and <c t="inlineStr"><is><t>…</t></is></c>
        # take the fewest steps.
        depth = row_depth = cell_depth = 0
        row_counter = col_counter = 0
        ref: str | None = None
        kind = "n"
        style: Any = 0
        value_state = 0  # the first <v> of a cell: 0 not seen, 1 reading, 2 read
        value: str | None = None
        inline_state = 0  # the first <is> of a cell: 0 not seen, 1 reading, 2 read
        inline_depth = run_depth = 0
        plain = run_text = ""
        runs: list[str] = []
        text_kind = text_depth = 0  # the <v> or <t> whose text is being read
        buf: list[str] = []
        capturing = False
        list_depth = 0  # <mergeCells> or <hyperlinks>
        list_item = ""  # the tag of their children: mergeCell or hyperlink
        refs: list[dict[str, str]] = []
        place = self._place
        store = self._storer()

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal depth, row_depth, cell_depth, row_counter, col_counter, ref, kind, style
            nonlocal value_state, value, inline_state, inline_depth, run_depth, plain
            nonlocal run_text, runs, text_kind, text_depth, buf, capturing
            nonlocal list_depth, list_item, refs
            depth += 1
            if capturing:
                capturing = False  # text after a child element is not the element's text
            if cell_depth:
                if depth == cell_depth + 1:
                    if name == _VALUE:
                        if not value_state:
                            value_state, text_kind, text_depth, buf = 1, 3, depth, []
                            capturing = True
                    elif name == _INLINE and not inline_state:
                        inline_state, inline_depth, plain, runs = 1, depth, "", []
                elif inline_state == 1:
                    # Text.content: the <t> of the <is>, then the <t> of each <r> run.
                    if depth == inline_depth + 1:
                        if name == _T or _local(name) == "t":
                            text_kind, text_depth, buf, capturing = 1, depth, [], True
                        elif _local(name) == "r":
                            run_depth, run_text = depth, ""
                    elif depth == run_depth + 1 and (name == _T or _local(name) == "t"):
                        text_kind, text_depth, buf, capturing = 2, depth, [], True
            elif row_depth:
                if depth == row_depth + 1:  # openpyxl takes every child of a row as a cell
                    cell_depth = depth
                    ref, kind, style = attrs.get("r"), attrs.get("t", "n"), attrs.get("s", 0)
                    value_state = inline_state = run_depth = 0
                    value = None
            elif name == _ROW:
                row_depth = depth
                row_counter = _row_number(attrs["r"]) if "r" in attrs else row_counter + 1
                col_counter = 0
            elif list_depth:
                if depth == list_depth + 1 and _local(name) == list_item:
                    refs.append(attrs)
            elif name == _MERGES:
                list_depth, list_item, refs = depth, "mergeCell", []
            elif name == _LINKS:
                list_depth, list_item, refs = depth, "hyperlink", []

        def end(name: str) -> None:
            nonlocal depth, row_depth, cell_depth, col_counter, value_state, value
            nonlocal inline_state, run_depth, plain, run_text, text_depth, capturing, list_depth
            if depth == text_depth:
                if text_kind == 3:
                    value, value_state = "".join(buf), 2
                elif text_kind == 1:
                    plain = "".join(buf)  # the last <t> wins
                else:
                    run_text = "".join(buf)
                text_depth = 0
                capturing = False
            elif depth == cell_depth:
                cell_depth = 0
                row, column = place(ref, row_counter, col_counter)
                col_counter = column
                if kind == "inlineStr":
                    store(row, column, plain + "".join(runs) if inline_state else None, kind, style)
                else:
                    store(row, column, value, kind, style)
            elif inline_state == 1:
                if depth == inline_depth:
                    inline_state = 2
                elif depth == run_depth:
                    runs.append(run_text)
                    run_depth = 0
            elif depth == row_depth:
                row_depth = 0
            elif depth == list_depth:
                if name == _MERGES:  # the last element wins, as in openpyxl
                    self.merges = refs
                else:
                    self.links = refs
                list_depth = 0
            depth -= 1

        def chars(data: str) -> None:
            if capturing:
                buf.append(data)

        return start, end, chars

    def _storer(self) -> Callable[[int, int, str | None, str, Any], None]:
        number_formats, dates = self.styles.number_formats, self.styles.dates
        strings, cells, formats = self.strings, self.cells, self.formats

        def store(row: int, column: int, raw: str | None, kind: str, style: Any) -> None:
            # openpyxl's WorkSheetParser.parse_cell: `raw` is the text of <v>, or of <is> for
            # an inline string (None without one; an empty <is> is "", not None).
            key = (row, column)
            style_id = int(style) if style else style
            number_format = number_formats[style_id]  # a missing style is an error
            value: Any = raw
            if kind == "inlineStr":
                pass
            elif not raw:
                value = None
            elif kind == "n":
                value = float(raw) if "." in raw or "E" in raw or "e" in raw else int(raw)
                if style_id in dates:
                    value = self._date(value, style_id)
            elif kind == "s":
                value = strings[int(raw)]
            elif kind == "b":
                value = bool(int(raw))
            elif kind == "d":
                value = from_ISO8601(raw)
            cells[key] = value
            if number_format != "General" and type(value) in (int, float):
                formats[key] = number_format
            elif formats:
                formats.pop(key, None)

        return store

    def _read_plain_cells(self, body: str, pattern: re.Pattern) -> bool:
        """The cells of a <sheetData> body made only of the plain shapes (`pattern`), as the
        expat state machine reads them; False, with nothing stored, for any other body."""
        try:
            tokens = _plain_tokens(body, pattern)
        except _NotPlain:
            return False
        store, place = self._storer(), self._place
        row_counter = col_counter = 0
        for token in tokens:
            row_attrs, _empty, ref, style, kind, others, value, text = token.groups()
            if others is None:  # <row …>, <row …/> or </row>
                if row_attrs is not None:
                    attrs = _plain_attributes(row_attrs)
                    row_counter = _row_number(attrs["r"]) if "r" in attrs else row_counter + 1
                    col_counter = 0
                continue
            if others.strip():  # attributes in another order, or others besides r, s and t
                attrs = _plain_attributes(others)
                if ref is not None:
                    attrs.setdefault("r", ref)
                if style is not None:
                    attrs.setdefault("s", style)
                if kind is not None:
                    attrs.setdefault("t", kind)
                ref, kind, style = attrs.get("r"), attrs.get("t"), attrs.get("s")
            if kind is None:
                kind = "n"
            if style is None:
                style = 0
            row, column = place(ref, row_counter, col_counter)
            col_counter = column
            if kind == "inlineStr":
                raw = None if text is None else _unescaped(text)
            else:
                raw = None if value is None else _unescaped(value)
            store(row, column, raw, kind, style)
        return True

    def _place(self, ref: str | None, row_counter: int, col_counter: int) -> tuple[int, int]:
        """(row, column) of a cell: by its reference, or without one the column after the
        row's last cell."""
        if not ref:
            return row_counter, col_counter + 1
        letters = ref.rstrip("0123456789")
        column = self.columns.get(letters)
        if column is None or len(letters) == len(ref):
            return self._coordinate(ref)
        return int(ref[len(letters) :]), column

    def _coordinate(self, ref: str) -> tuple[int, int]:
        """(row, column) of "B7" by openpyxl's rules and errors; remembers the column letters.

        Once known, the letters of a reference are looked up where cells end (the hot path).
        """
        row, column = coordinate_to_tuple(ref)
        letters = ref.rstrip("0123456789")
        if letters.isascii() and letters.isalpha():
            self.columns[letters] = column
        return row, column

    def _date(self, value: float, style: int) -> Any:
        """A number in a date or time format, converted as openpyxl converts it."""
        try:
            return from_excel(value, self.epoch, timedelta=style in self.styles.timedeltas)
        except (OverflowError, ValueError):
            return "#VALUE!"  # openpyxl turns a date out of range into this error value

    def _touch(self, ref: str) -> list[tuple[int, int]]:
        """Create the cells of a range (or one cell) if missing, as openpyxl's ws[ref] does."""
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        if min_col is None or min_row is None:
            return []  # whole rows or columns: never written for a comment or a hyperlink
        keys = [(r, c) for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]
        for key in keys:
            self.cells.setdefault(key, None)
        return keys

    def _merge(self) -> list[tuple[int, int, int, int]]:
        ranges = []
        for attrs in self.merges:
            ref = attrs["ref"]
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            if None in (min_col, min_row) or not 1 <= min_row <= max_row <= 1048576:
                raise ValueError(f"invalid merged range {ref}")
            if min_col > max_col:
                raise ValueError(f"invalid merged range {ref}")
            anchor = (min_row, min_col)
            self.cells.setdefault(anchor, None)
            for r in range(min_row, max_row + 1):
                for c in range(min_col, max_col + 1):
                    if (r, c) != anchor:
                        self.cells[(r, c)] = None  # openpyxl's MergedCell has no value
                        self.formats.pop((r, c), None)
                        self.anchors[(r, c)] = anchor
            ranges.append((min_row, min_col, max_row, max_col))
        return ranges

    def _link(self, attrs: dict[str, str], rels: dict[str, tuple[str, str]]) -> None:
        """A hyperlink's cells exist, and an empty one shows the link (openpyxl sets it)."""
        rel_id = attrs.get(_REL_ID, attrs.get("id"))
        target = rels[rel_id][1] if rel_id else attrs.get("target")
        shown = target or attrs.get("location")
        if shown is not None:
            shown = shown[:32767]
            if ILLEGAL_CHARACTERS_RE.search(shown):
                raise ValueError("a control character in a hyperlink")
        ref = attrs["ref"]
        if ":" in ref:
            keys = [key for key in self._touch(ref) if key not in self.anchors]
        else:
            keys = self._touch(ref)[:1]
            keys = [self.anchors.get(key, key) for key in keys]  # a merged cell: its anchor
        for key in keys:
            if self.cells[key] is None:
                self.cells[key] = shown

    def sheet(self, name: str, rels: dict[str, tuple[str, str]], comment_refs: list[str]) -> Sheet:
        """The sheet as openpyxl leaves it after merges, hyperlinks and comments are bound."""
        merged = self._merge()
        for attrs in self.links:
            self._link(attrs, rels)
        for ref in comment_refs:
            self._touch(ref)
        if not self.cells:
            return Sheet(name=name, merged=merged)
        max_row = max(r for r, _c in self.cells)
        max_col = max(c for _r, c in self.cells)
        rows = [[None] * max_col for _ in range(max(max_row, 0))]
        for (r, c), value in self.cells.items():
            if value is not None and r >= 1:
                rows[r - 1][c - 1] = value
        formats = {(r - 1, c - 1): f for (r, c), f in self.formats.items() if r >= 1}
        return Sheet(name=name, rows=rows, number_formats=formats, merged=merged)

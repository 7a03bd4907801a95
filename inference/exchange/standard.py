"""Document and hồ sơ (dossier) metadata under the standard names of Circular 02/2019/TT-BNV and Decree 30
Appendix VI, and the mapping from/to our extracted `Fields`.

Lengths are the standards' maxima. `Id` and `Sha256` are our own additions: `Sha256` is how an import finds
the document it describes (the file travels separately, content-addressed), `Id` is informational.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from inference.schema import Fields

FORMAT_VERSION = "vanthu-exchange/1"
FILE_CODE_SEPARATOR = "."
DEFAULT_LANGUAGE = "Tiếng Việt"

Text30 = Annotated[str, StringConstraints(max_length=30)]
Text20 = Annotated[str, StringConstraints(max_length=20)]
Text50 = Annotated[str, StringConstraints(max_length=50)]
Text100 = Annotated[str, StringConstraints(max_length=100)]
Text200 = Annotated[str, StringConstraints(max_length=200)]
Text500 = Annotated[str, StringConstraints(max_length=500)]
Text1000 = Annotated[str, StringConstraints(max_length=1000)]
Text2000 = Annotated[str, StringConstraints(max_length=2000)]
OrganCode = Annotated[str, StringConstraints(min_length=1, max_length=13, pattern=r"^[0-9A-Za-z.\-]+$")]
NotationCode = Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z.\-]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Signer(Strict):
    Position: Text100 | None = None
    FullName: Text50 | None = None


class StandardDocument(Strict):
    """One văn bản. Order of the fields = order of the XML elements (see vanthu-exchange.xsd)."""

    Id: Annotated[str, StringConstraints(max_length=36)] | None = None
    Sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    DocOrdinal: Annotated[int, Field(ge=1, le=9999)] | None = None
    """Position in its hồ sơ; None when the document is in none."""
    TypeName: Text100 | None = None
    CodeNumber: Annotated[str, StringConstraints(max_length=11)] | None = None
    CodeNotation: Text30 | None = None
    IssuedDate: date | None = None
    OrganName: Text200 | None = None
    Subject: Text500 | None = None
    Language: Text30 = DEFAULT_LANGUAGE
    PageAmount: Annotated[int, Field(ge=0, le=9999)] | None = None
    Description: Text500 | None = None
    SignerInfo: Signer | None = None
    To: list[Text200] = Field(default_factory=list)
    InforSign: Text30 | None = None
    Keyword: Text100 | None = None
    Mode: Text20 | None = None
    """Chế độ sử dụng: "Công khai", "Sử dụng có điều kiện", "Mật"."""
    ConfidenceLevel: Text30 | None = None
    """Mức độ tin cậy: "Gốc điện tử", "Số hóa", "Hỗn hợp"."""
    Autograph: Text2000 | None = None
    Format: Text50 | None = None
    """Tình trạng vật lý: "Tốt", "Bình thường", "Hỏng"."""


class StandardFile(Strict):
    """One hồ sơ: FileCode = OrganId (mã phông) + FileCatalog (mục lục, a year) + FileNotation (số hồ sơ)."""

    FileCode: Text30
    OrganId: OrganCode
    FileCatalog: Annotated[int, Field(ge=1000, le=9999)]
    FileNotation: NotationCode
    Title: Text1000
    Maintenance: Text30 | None = None
    """Thời hạn bảo quản: "Vĩnh viễn", "70 năm", "10 năm"..."""
    Rights: Text30 | None = None
    Creator: Text30 | None = None
    Language: Text50 = DEFAULT_LANGUAGE
    StartDate: date | None = None
    EndDate: date | None = None
    TotalDoc: Annotated[int, Field(ge=0, le=9999)] | None = None
    PageTotal: Annotated[int, Field(ge=0, le=9999)] | None = None
    Description: Text2000 | None = None
    InforSign: Text30 | None = None
    Keyword: Text100 | None = None
    Format: Text50 | None = None
    Documents: list[StandardDocument] = Field(default_factory=list)


class Exchange(Strict):
    """What `vanthu export` writes and `vanthu import-metadata` reads."""

    Version: str = FORMAT_VERSION
    ExportedAt: datetime
    Files: list[StandardFile] = Field(default_factory=list)
    Documents: list[StandardDocument] = Field(default_factory=list)
    """Documents in no hồ sơ."""


ARCHIVAL_FIELDS: tuple[str, ...] = (
    "Language",
    "Description",
    "InforSign",
    "Keyword",
    "Mode",
    "ConfidenceLevel",
    "Autograph",
    "Format",
)
"""The document fields an archivist sets; everything else is read from the extraction."""


def file_code(organ_id: str, catalog: int, notation: str) -> str:
    return FILE_CODE_SEPARATOR.join((organ_id, str(catalog), notation))


def fields_to_standard(fields: Fields | None) -> dict[str, object]:
    """The standard document fields that come from our extracted `Fields`."""
    if fields is None:
        return {}
    signer = Signer(Position=fields.signer_position, FullName=fields.signer_name)
    return {
        "TypeName": fields.type_name,
        "CodeNumber": fields.code_number,
        "CodeNotation": fields.code_notation,
        "IssuedDate": fields.issued_date,
        "OrganName": fields.organ_name,
        "Subject": fields.subject,
        "SignerInfo": signer if signer.Position or signer.FullName else None,
        "To": list(fields.recipients),
    }


def standard_to_fields(document: StandardDocument, current: Fields) -> Fields:
    """Our `Fields` with the values the standard carries taken from `document`; the others kept."""
    signer = document.SignerInfo or Signer()
    update: dict[str, object] = {
        "type_name": document.TypeName,
        "code_number": document.CodeNumber,
        "code_notation": document.CodeNotation,
        "issued_date": document.IssuedDate,
        "organ_name": document.OrganName,
        "subject": document.Subject,
        "signer_position": signer.Position,
        "signer_name": signer.FullName,
        "recipients": list(document.To),
    }
    if (document.CodeNumber, document.CodeNotation) != (current.code_number, current.code_notation):
        update["number"] = _number(document.CodeNumber, document.CodeNotation)
    return current.model_copy(update=update)


def _number(code_number: str | None, code_notation: str | None) -> str | None:
    """Decree 30 writes "15/QĐ-UBND"; a Party notation has its own slash and takes a hyphen: "127-KL/TW"."""
    if not code_number or not code_notation:
        return code_number or code_notation
    return f"{code_number}{'-' if '/' in code_notation else '/'}{code_notation}"

"""Options of the pure pipeline. The service nests them in its one settings object."""

from pydantic import BaseModel, Field


class LoadLimits(BaseModel):
    max_bytes: int = 200 * 1024 * 1024
    max_pages: int = 500
    max_page_pixels: int = 80_000_000
    """Per page, after rendering or decoding: an A4 page at 600 dpi is ~35 Mpx."""


class PipelineOptions(BaseModel):
    limits: LoadLimits = Field(default_factory=LoadLimits)
    ocr_engine: str = "tesseract"
    ocr_language: str = "vie"
    digit_reader: str = "crnn"
    """Reader of handwritten number and day gaps: "tesseract" (baseline) or "crnn" (trained here)."""
    ocr_dpi: int = 300
    """Scanned pages are resampled to this resolution before OCR."""
    field_extractor: str = "layoutlm"
    """"layoutlm" (the trained model finds the fields' lines, the rule readers normalise and validate them;
    models/artifacts/kie) or "rules" (Decree 30 / HD 36 layout rules alone: the baseline)."""
    workers: int = Field(default=2, ge=0)
    """Processes used to OCR the pages of one file; 0 reads them in the calling process (batch ingestion,
    whose worker processes each read whole files)."""
    min_text_layer_chars: int = 40
    """A born-digital page with fewer real characters than this is OCRed instead."""
    model_dirs: dict[str, str] = Field(default_factory=dict)
    """Artifact directory by model name ("digits", "syllables", ...); a name not given uses the committed
    default under models/artifacts. The service fills it from its model registry for each job."""
    layout_engine: str | None = None
    """Regions of every page in the result (`ExtractionResult.regions`): "model" (the trained layout network,
    models/artifacts/layout) or "rules" (what the rule extractor locates); None: no regions."""
    restore_diacritics: bool = True
    """Restore Vietnamese marks OCR lost or swapped ("xuât" -> "xuất") with the syllable model
    (inference.diacritics, models/artifacts/syllables/v1). OCR words only; text layers are never touched."""

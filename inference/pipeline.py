"""file -> pages -> words -> fields -> ExtractionResult. Pure: no database, no HTTP, writes nothing.

Scanned pages are read in worker processes (one per core, each with a single-threaded Tesseract kept
loaded); born-digital pages are read from their text layer in the calling process.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from inference.diacritics import DiacriticRestorer
from inference.governance.images import with_thumbnail_hashes
from inference.io import SourceDocument, SourcePage, inspect_document, render_page
from inference.kie import Extraction, create_extractor
from inference.layout import assign_lines
from inference.layout_engines import LayoutEngine, create_layout_engine
from inference.ocr import OCR_ENGINES, OcrEngine
from inference.options import LoadLimits, PipelineOptions
from inference.prepare import PreparedPage, prepare_page, turn
from inference.reread import (
    DIGIT_READERS,
    DigitReader,
    crop_box,
    has_ink,
    read_digits,
    reread_gaps,
    reread_names,
    stamp_words,
)
from inference.schema import BBox, DocumentQuality, ExtractionResult, Page, PageKind, PageQuality, Word

DIGIT_MODEL_FILE = "model.onnx"
LANDSCAPE_RATIO = 1.15
LOW_CONFIDENCE = 0.7
LAYOUT_DPI = 50
"""Born-digital pages are rendered this small for the layout engine (the model's input is 384 px high)."""
"""Mean word confidence below which orientation is checked: upright print reads at ~0.9, upside-down
text at ~0.45."""


@dataclass(frozen=True)
class PageTask:
    data: bytes
    media_type: str
    index: int
    dpi: int
    limits: LoadLimits
    engine: str
    language: str
    digit_reader: str
    boxes: tuple[BBox, ...] = ()
    """For a born-digital page: the appearance-only annotations to OCR."""
    restore_diacritics: bool = True  # diacritics stage (inference.diacritics)
    digit_model: str | None = None
    syllable_model: str | None = None
    layout_engine: str | None = None
    layout_model: str | None = None
    """Artifacts resolved by the caller (None = the committed defaults); part of the task, so the pool's
    workers load a newly promoted model on the next page they read."""


@cache
def _engine(name: str, language: str) -> OcrEngine:
    return OCR_ENGINES.create(name, language=language)


@cache
def _digit_reader(name: str, model: str | None) -> DigitReader:
    # Only the trained reader has an artifact; Tesseract's models come from tessdata.
    return DIGIT_READERS.create(name, model_path=model) if model and name == "crnn" else DIGIT_READERS.create(name)


@cache
def _restorer(model: str | None) -> DiacriticRestorer:  # diacritics stage: the syllable model, loaded once per worker
    return DiacriticRestorer(model)


@cache
def _layout(name: str, model: str | None) -> LayoutEngine:  # the layout engine, loaded once per worker
    return create_layout_engine(name, {"layout": model} if model else {})


def layout_image(prepared: PreparedPage) -> np.ndarray:
    """The prepared page with every ink back on it (print, red, blue), as the layout model was trained to see."""
    return np.minimum(np.minimum(prepared.print_layer, prepared.red_layer), prepared.blue_layer)


def _upright(engine: OcrEngine, rgb: np.ndarray, dpi: int) -> tuple[np.ndarray, int]:
    gray = rgb.mean(axis=2).astype(np.uint8)
    degrees = engine.orientation(gray, dpi)
    return (turn(rgb, degrees), degrees) if degrees else (rgb, 0)


def _mean_confidence(words: list[Word]) -> float:
    return sum(w.confidence for w in words) / len(words) if words else 0.0


def read_scanned_page(task: PageTask) -> Page:
    """Render, prepare, OCR and re-read one page. Runs in a worker process."""
    engine = _engine(task.engine, task.language)
    rgb = render_page(task.data, task.media_type, task.index, task.dpi, task.limits)
    rotation = 0
    if rgb.shape[1] > LANDSCAPE_RATIO * rgb.shape[0]:
        rgb, rotation = _upright(engine, rgb, task.dpi)
    prepared = prepare_page(rgb, task.dpi, rotation)
    words = [] if prepared.quality.blank else engine.read(prepared.print_layer, task.dpi)
    if words and rotation == 0 and _mean_confidence(words) < LOW_CONFIDENCE:
        turned, rotation = _upright(engine, rgb, task.dpi)
        if rotation:
            prepared = prepare_page(turned, task.dpi, rotation)
            words = engine.read(prepared.print_layer, task.dpi)
    stamps: list[Word] = []
    if words:
        words = _restorer(task.syllable_model).restore(words) if task.restore_diacritics else words  # diacritics stage
        ink = np.minimum(prepared.print_layer, prepared.blue_layer)
        handwriting = prepared.blue_layer if prepared.quality.blue_ink else None
        words = reread_gaps(_digit_reader(task.digit_reader, task.digit_model), words, ink, task.dpi, handwriting)
        words = reread_names(engine, words, prepared.print_layer, task.dpi)
        stamps = stamp_words(engine, prepared.red_layer, task.dpi) if task.index == 0 else []
    quality = prepared.quality.model_copy(update={"mean_word_confidence": round(_mean_confidence(words), 3) if words else None})
    height, width = prepared.print_layer.shape
    regions = (_layout(task.layout_engine, task.layout_model).regions(layout_image(prepared), words, task.index)
               if task.layout_engine and not prepared.quality.blank else [])
    return Page(
        index=task.index, kind=PageKind.SCANNED, width=width, height=height, words=assign_lines(words),
        stamps=stamps, quality=quality, regions=regions,
    )


def read_appearances(task: PageTask) -> list[Word]:
    """OCR what appearance-only annotations draw on a born-digital page (e-signed number and day).

    The page is rendered with and without annotations; only the ink the annotations add is read, so
    the print beneath a widget is not read twice. A short token is read again as digits. Worker."""
    engine = _engine(task.engine, task.language)
    with_annotations = render_page(task.data, task.media_type, task.index, task.dpi, task.limits).min(axis=2)
    without = render_page(task.data, task.media_type, task.index, task.dpi, task.limits, annotations=False).min(axis=2)
    added = np.where(with_annotations.astype(np.int16) < without.astype(np.int16) - 40, with_annotations, 255).astype(np.uint8)
    words: list[Word] = []
    for box in task.boxes:
        crop, offset = crop_box(added, box)
        if not has_ink(crop):
            continue
        found = engine.read(crop, task.dpi, mode="sparse", offset=offset)
        if len(found) == 1 and len(found[0].text) <= 4:
            found = [read_digits(_digit_reader(task.digit_reader, task.digit_model), added, box, task.dpi) or found[0]]
        words += [w.model_copy(update={"source": "form_field"}) for w in found]
    return words


def read_text_page(page: SourcePage, dpi: int, drawn_words: list[Word]) -> Page:
    words = assign_lines(page.text_words + page.field_words + drawn_words)
    return Page(
        index=page.index,
        kind=PageKind.BORN_DIGITAL,
        width=round(page.width_pt * dpi / 72),
        height=round(page.height_pt * dpi / 72),
        words=words,
        quality=PageQuality(blank=not words),
    )


def one_thread() -> None:
    """Parallelism is by process: a worker keeps to one thread. OpenCV starts a thread per core by default,
    which took about 6 % of the core beside a lone worker (CPU 1.06 x wall) and made two workers crowd each
    other; Tesseract is held by OMP_THREAD_LIMIT, the ONNX sessions by their options."""
    cv2.setNumThreads(1)


def _start_worker(owner: int) -> None:
    """Worker start-up: one thread, and leave as soon as the process that owns the pool is gone (even after
    a SIGKILL, which gives the pool no chance to stop its workers)."""
    one_thread()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="vanthu-owner-watch", daemon=True).start()


_POOLS: dict[int, Executor] = {}
_POOLS_LOCK = threading.Lock()


def worker_pool(workers: int) -> Executor:
    """The process pool of this process (forkserver; models stay loaded in its workers)."""
    with _POOLS_LOCK:
        if workers not in _POOLS:
            pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
            atexit.register(pool.shutdown, wait=False, cancel_futures=True)
            _POOLS[workers] = pool
        return _POOLS[workers]


def discard_worker_pool(workers: int) -> None:
    """Stop the pool (broken when one of its workers died); the next `worker_pool` call starts a new one."""
    with _POOLS_LOCK:
        pool = _POOLS.pop(workers, None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def _artifact(options: PipelineOptions, model: str, filename: str) -> str | None:
    directory = options.model_dirs.get(model)
    return os.path.join(directory, filename) if directory else None


def read_pages(data: bytes, source: SourceDocument, options: PipelineOptions) -> list[Page]:
    def task(page: SourcePage) -> PageTask:
        return PageTask(
            data, source.media_type, page.index, options.ocr_dpi, options.limits, options.ocr_engine,
            options.ocr_language, options.digit_reader, tuple(page.appearance_boxes),
            restore_diacritics=options.restore_diacritics,  # diacritics stage
            digit_model=_artifact(options, "digits", DIGIT_MODEL_FILE),
            syllable_model=options.model_dirs.get("syllables"),
            layout_engine=options.layout_engine, layout_model=options.model_dirs.get("layout"),
        )

    page_map = worker_pool(options.workers).map if options.workers else map  # 0: in this process
    scanned_pages = [p for p in source.pages if p.needs_ocr]
    drawn_pages = [p for p in source.pages if not p.needs_ocr and p.appearance_boxes]
    scanned = dict(zip([p.index for p in scanned_pages], page_map(read_scanned_page, map(task, scanned_pages))))
    drawn = dict(zip([p.index for p in drawn_pages], page_map(read_appearances, map(task, drawn_pages))))
    pages = [scanned.get(p.index) or read_text_page(p, options.ocr_dpi, drawn.get(p.index, [])) for p in source.pages]
    return [with_regions(page, data, source.media_type, options) for page in pages]


def with_regions(page: Page, data: bytes, media_type: str, options: PipelineOptions) -> Page:
    """A born-digital page with the layout engine's regions, found on a small rendering of the page (scanned
    pages get theirs in the worker that read them)."""
    if not options.layout_engine or page.kind != PageKind.BORN_DIGITAL or page.quality.blank:
        return page
    rgb = render_page(data, media_type, page.index, LAYOUT_DPI, options.limits)
    engine = _layout(options.layout_engine, options.model_dirs.get("layout"))
    return page.model_copy(update={"regions": engine.regions(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), page.words,
                                                             page.index)})


def _warnings(source: SourceDocument, pages: list[Page], extraction: Extraction) -> list[str]:
    warnings = [f"page {p.index + 1} is blank" for p in pages if p.quality.blank]
    for page in source.pages:
        if page.source_dpi and page.source_dpi < 195:
            warnings.append(f"page {page.index + 1} was scanned at {page.source_dpi:.0f} dpi, below the 200 dpi standard")
    return warnings + extraction.warnings


def _quality(pages: list[Page], extraction: Extraction, text: str) -> DocumentQuality:
    folded = text.lower()
    return DocumentQuality(
        pages=[p.quality for p in pages],
        blank_pages=[p.index for p in pages if p.quality.blank],
        has_red_seal=any(p.quality.red_seal for p in pages),
        has_handwriting=any(p.quality.blue_ink for p in pages) or any(w.source == "reread" for p in pages for w in p.words if w.text.isdigit()),
        has_digital_signature="ký bởi" in folded or "thời gian ký" in folded,
        incoming_stamp=extraction.incoming_stamp,
        copy_form=extraction.copy_form,
    )


def extract_pages(data: bytes, source: SourceDocument, options: PipelineOptions) -> tuple[list[Page], ExtractionResult]:
    pages = read_pages(data, source, options)
    source_dpi = {p.index: p.source_dpi for p in source.pages}
    pages = [p.model_copy(update={"quality": p.quality.model_copy(update={"dpi": source_dpi[p.index]})}) for p in pages]
    thumbnails = {p.index: p.thumbnail for p in source.pages}
    pages = [with_thumbnail_hashes(p, thumbnails[p.index]) for p in pages]  # governance dedup
    extraction = create_extractor(options.field_extractor, options.model_dirs).extract(pages)
    text = "\f".join(p.text for p in pages)
    result = ExtractionResult(
        file=source.filename,
        sha256=source.sha256,
        pages=len(pages),
        text=text,
        fields=extraction.fields,
        confidence=extraction.confidence,
        evidence=extraction.evidence,
        quality=_quality(pages, extraction, text),
        warnings=_warnings(source, pages, extraction),
        regions=[region for page in pages for region in page.regions],
    )
    return pages, result


def extract_document(data: bytes, filename: str, options: PipelineOptions | None = None) -> ExtractionResult:
    """The extraction contract for one file. Raises `inference.errors.InputError` for bad input."""
    return extract_document_pages(data, filename, options)[1]


def extract_document_pages(
    data: bytes, filename: str, options: PipelineOptions | None = None
) -> tuple[list[Page], ExtractionResult]:
    """`extract_document`, with the pages (words and boxes) it read."""
    options = options or PipelineOptions()
    source = inspect_document(data, filename, options.limits, options.min_text_layer_chars)
    return extract_pages(data, source, options)

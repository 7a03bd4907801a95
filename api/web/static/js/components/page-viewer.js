// A document's page images (GET /v1/documents/{id}/pages/{n}, PNG) with zoom, a highlighted box, and two ways of
// choosing a box for a correction: click words (shift+click adds) or drag a new rectangle.
// Boxes are normalised to the page (x0, y0, x1, y1 in 0..1), so they are drawn in percent of the image.

import { blobUrl } from "../api.js";
import { el, errorBox, loading } from "../ui.js";

const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3];
const PAGE_DPI = 150;
const SHARP_DPI = 300; // fetched once the zoom goes past SHARP_ZOOM, so enlarged print stays legible
const SHARP_ZOOM = 1.25;
const MIN_DRAWN = 0.004; // a click, not a drag

export function unionBox(boxes) {
  return {
    x0: Math.min(...boxes.map((b) => b.x0)), y0: Math.min(...boxes.map((b) => b.y0)),
    x1: Math.max(...boxes.map((b) => b.x1)), y1: Math.max(...boxes.map((b) => b.y1)),
  };
}

function place(node, bbox) {
  node.style.left = `${bbox.x0 * 100}%`;
  node.style.top = `${bbox.y0 * 100}%`;
  node.style.width = `${(bbox.x1 - bbox.x0) * 100}%`;
  node.style.height = `${(bbox.y1 - bbox.y0) * 100}%`;
}

// pages: [{index, words: [{text, bbox}]}], one per page of the file (words may be empty); onPick({page, bbox, text}).
export function createPageViewer({ documentId, pages, startPage = 0, onPick = () => {} }) {
  const urls = new Map();
  let current = Math.min(Math.max(startPage, 0), pages.length - 1);
  let zoom = 1;
  let mode = "view";
  let highlight = null; // {page, bbox, label}
  let picked = [];
  let ticket = 0;

  const image = el("img", { class: "page-image", alt: "" });
  const overlay = el("div", { class: "page-overlay" });
  const sheet = el("div", { class: "page-sheet" }, image, overlay);
  const scroller = el("div", {
    class: "page-scroller", tabindex: "0", role: "region", "aria-label": "Ảnh trang văn bản (phím + và - để phóng to, thu nhỏ)",
  }, sheet);
  const status = el("div", { class: "page-status" });
  const pageLabel = el("span", { class: "page-number", "aria-live": "polite" });
  const zoomLabel = el("span", { class: "zoom-level", "aria-live": "polite" });
  const prev = el("button", { type: "button", class: "small", "aria-label": "Trang trước", onclick: () => show(current - 1) }, "‹");
  const next = el("button", { type: "button", class: "small", "aria-label": "Trang sau", onclick: () => show(current + 1) }, "›");
  const toolbar = el("div", { class: "page-toolbar", role: "toolbar", "aria-label": "Xem trang" },
    prev, pageLabel, next,
    el("span", { class: "toolbar-gap" }),
    el("button", { type: "button", class: "small", "aria-label": "Thu nhỏ", onclick: () => zoomBy(-1) }, "−"),
    zoomLabel,
    el("button", { type: "button", class: "small", "aria-label": "Phóng to", onclick: () => zoomBy(1) }, "+"),
    el("button", { type: "button", class: "small", onclick: () => setZoom(1) }, "Vừa khung"),
  );
  const element = el("div", { class: "page-viewer" }, toolbar, status, scroller);

  scroller.addEventListener("keydown", (event) => {
    if (event.key === "+" || event.key === "=") zoomBy(1);
    else if (event.key === "-") zoomBy(-1);
    else if (event.key === "0") setZoom(1);
    else if (event.key === "PageDown" && event.altKey) show(current + 1);
    else if (event.key === "PageUp" && event.altKey) show(current - 1);
    else return;
    event.preventDefault();
  });
  overlay.addEventListener("pointerdown", startDrawing);
  // `data-shown` tells which page the image holds once it is decoded (tests and styles wait on it).
  image.addEventListener("load", () => {
    image.dataset.shown = String(current + 1);
  });

  function zoomBy(step) {
    const index = ZOOMS.indexOf(zoom);
    setZoom(ZOOMS[Math.min(Math.max(index + step, 0), ZOOMS.length - 1)]);
  }

  function setZoom(value) {
    const sharper = value > SHARP_ZOOM && zoom <= SHARP_ZOOM;
    zoom = value;
    if (sharper) show(current);
    sheet.style.width = `${zoom * 100}%`;
    zoomLabel.textContent = `${Math.round(zoom * 100)}%`;
  }

  async function show(index) {
    if (index < 0 || index >= pages.length) return;
    current = index;
    const mine = ++ticket;
    pageLabel.textContent = `Trang ${index + 1}/${pages.length}`;
    prev.disabled = index === 0;
    next.disabled = index === pages.length - 1;
    image.alt = `Trang ${index + 1} của văn bản`;
    delete image.dataset.shown;
    drawOverlay();
    status.replaceChildren(loading("Đang tải ảnh trang…"));
    try {
      const dpi = zoom > SHARP_ZOOM ? SHARP_DPI : PAGE_DPI;
      const key = `${index}@${dpi}`;
      if (!urls.has(key)) urls.set(key, await blobUrl(`/v1/documents/${encodeURIComponent(documentId)}/pages/${index + 1}`, { dpi }));
      if (mine !== ticket) return;
      image.src = urls.get(key);
      status.replaceChildren();
    } catch (error) {
      if (mine === ticket) status.replaceChildren(errorBox(error));
    }
  }

  function drawOverlay() {
    overlay.replaceChildren();
    overlay.dataset.mode = mode;
    const page = pages[current];
    if (mode === "words" && page) {
      for (const word of page.words ?? []) {
        const isPicked = picked.includes(word);
        const box = el("div", { class: `word-box${isPicked ? " picked" : ""}`, title: word.text });
        place(box, word.bbox);
        box.addEventListener("click", (event) => pickWord(word, event.shiftKey));
        overlay.append(box);
      }
    }
    if (highlight && highlight.page === current) {
      const box = el("div", { class: "field-box", "data-label": highlight.label ?? "" });
      place(box, highlight.bbox);
      overlay.append(box);
      requestAnimationFrame(() => box.scrollIntoView({ block: "center", inline: "nearest", behavior: "smooth" }));
    }
  }

  function pickWord(word, extend) {
    picked = extend ? [...picked.filter((w) => w !== word), word] : [word];
    const inReadingOrder = [...picked].sort((a, b) => a.bbox.y0 - b.bbox.y0 || a.bbox.x0 - b.bbox.x0);
    const choice = { page: current, bbox: unionBox(picked.map((w) => w.bbox)), text: inReadingOrder.map((w) => w.text).join(" ") };
    highlight = { ...choice, label: "Đã chọn" };
    drawOverlay();
    onPick(choice);
  }

  function startDrawing(event) {
    if (mode !== "draw" || event.button !== 0) return;
    event.preventDefault();
    const frame = overlay.getBoundingClientRect();
    const at = (e) => ({
      x: Math.min(Math.max((e.clientX - frame.left) / frame.width, 0), 1),
      y: Math.min(Math.max((e.clientY - frame.top) / frame.height, 0), 1),
    });
    const start = at(event);
    const rubber = el("div", { class: "drawn-box" });
    overlay.append(rubber);
    const boxTo = (e) => {
      const end = at(e);
      return { x0: Math.min(start.x, end.x), y0: Math.min(start.y, end.y), x1: Math.max(start.x, end.x), y1: Math.max(start.y, end.y) };
    };
    const move = (e) => place(rubber, boxTo(e));
    const up = (e) => {
      overlay.removeEventListener("pointermove", move);
      overlay.removeEventListener("pointerup", up);
      const bbox = boxTo(e);
      rubber.remove();
      if (bbox.x1 - bbox.x0 < MIN_DRAWN || bbox.y1 - bbox.y0 < MIN_DRAWN) return;
      highlight = { page: current, bbox, label: "Khung mới" };
      drawOverlay();
      onPick({ page: current, bbox, text: null });
    };
    overlay.setPointerCapture(event.pointerId);
    overlay.addEventListener("pointermove", move);
    overlay.addEventListener("pointerup", up);
  }

  setZoom(1);
  show(current);

  return {
    element,
    // Show `box` ({page, bbox}) highlighted, turning to its page.
    highlight(box, label) {
      highlight = box ? { ...box, label } : null;
      if (box && box.page !== current) show(box.page);
      else drawOverlay();
    },
    // "view" | "words" (click words to pick a box) | "draw" (drag a rectangle)
    setMode(value) {
      mode = value;
      picked = [];
      drawOverlay();
    },
    get page() {
      return current;
    },
    destroy() {
      ticket++;
      for (const url of urls.values()) URL.revokeObjectURL(url);
    },
  };
}

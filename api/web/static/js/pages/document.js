// One document: the page images with zoom beside the extracted fields; clicking a field highlights its box on the
// page; seal, handwriting and quality flags; a field is corrected in place (value + a box picked or drawn on the
// page) and saved with PUT /v1/documents/{id}/fields as a new correction version.

import { api, request } from "../api.js";
import { createPageViewer } from "../components/page-viewer.js";
import {
  ACCESS_MODE_LABELS, BLOCK_LABELS, FIELD_CHOICES, FIELD_ORDER, FLAG_LABELS, SECRECY_LABELS, STATUS_LABELS,
  displayValue, fieldLabel,
} from "../labels.js";
import { hasRole } from "../session.js";
import { clear, el, errorBox, formatDateTime, loading, pageHeading, percent, toast } from "../ui.js";

const POLL_MS = 2000;
const LOW_CONFIDENCE = 0.6;
const LONG_FIELDS = new Set(["subject", "recipients", "signer_position"]);
const CORRECTORS = ["admin", "records_officer"]; // the roles PUT /v1/documents/{id}/fields accepts

export async function render(container, { id, query }) {
  const state = { id, container, timer: null, viewer: null, onKey: null, leaving: false };
  await load(state, Number(query.get("page") ?? 1) - 1);
  return () => {
    state.leaving = true;
    clearTimeout(state.timer);
    state.viewer?.destroy();
    if (state.onKey) document.removeEventListener("keydown", state.onKey);
  };
}

const documentPath = (id, rest = "") => `/v1/documents/${encodeURIComponent(id)}${rest}`;

async function load(state, startPage) {
  const container = state.container;
  const record = await api.get(documentPath(state.id));
  if (state.leaving) return;
  if (record.status !== "done") {
    renderPending(container, record);
    if (record.status !== "failed") state.timer = setTimeout(() => load(state, startPage), POLL_MS);
    return;
  }
  const [pages, history, governance] = await Promise.all([
    loadPages(state.id),
    api.get(documentPath(state.id, "/corrections")),
    request("GET", documentPath(state.id, "/governance")).catch(() => null), // a reader may not see governance
  ]);
  if (state.leaving) return;
  renderDocument(container, state, { record, pages, history, governance }, startPage);
}

// The pages with their words; an error (e.g. a record imported without a file) is shown instead of the images.
async function loadPages(id) {
  try {
    return await api.get(documentPath(id, "/pages"));
  } catch (error) {
    return { error };
  }
}

// The words a box can be picked from: the print and the stamps (urgency, secrecy and register stamps).
function withStamps(pages) {
  const count = Math.max(pages.count, pages.pages.length);
  return Array.from({ length: count }, (_, index) => {
    const page = pages.pages[index];
    return { index, words: page ? [...page.words, ...page.stamps] : [] };
  });
}

function renderPending(container, record) {
  clear(container).append(
    pageHeading(record.filename),
    el("p", {}, "Trạng thái: ", statusBadge(record.status)),
    record.status === "failed"
      ? errorBox({ message: "Không trích xuất được văn bản này.", reason: record.error })
      : loading("Văn bản đang được xử lý; trang sẽ tự cập nhật."),
  );
}

export function statusBadge(status) {
  const kind = { done: "ok", failed: "error", processing: "warn" }[status] ?? "";
  return el("span", { class: `badge ${kind}`, "data-status": status }, STATUS_LABELS[status] ?? status);
}

function title(fields, record) {
  return [fields.type_name, fields.number].filter(Boolean).join(" số ") || record.filename;
}

// Where each field is: the extraction's evidence, replaced by the boxes people marked (latest version wins).
function fieldBoxes(result, history) {
  const boxes = {};
  for (const [name, evidence] of Object.entries(result.evidence ?? {})) boxes[name] = { page: evidence.page, bbox: evidence.bbox };
  for (const version of history.items) Object.assign(boxes, version.boxes);
  return boxes;
}

function renderDocument(container, state, data, startPage) {
  const { record, pages, history, governance } = data;
  const fields = record.fields ?? record.result.fields;
  const boxes = fieldBoxes(record.result, history);
  const view = { state, data, fields, boxes, editing: null, list: null };

  state.onPick = (choice) => view.editing?.pick(choice);
  let viewerElement;
  if (pages.error) {
    viewerElement = el("div", { class: "no-pages" }, errorBox(pages.error));
  } else {
    // Kept across re-renders after a save: the page images are not fetched again.
    state.viewer ??= createPageViewer({
      documentId: state.id, pages: withStamps(pages), startPage, onPick: (choice) => state.onPick(choice),
    });
    state.viewer.highlight(null);
    viewerElement = state.viewer.element;
  }
  view.list = el("ul", { class: "field-list", "aria-label": "Các trường đã trích xuất" });
  renderFields(view);

  clear(container).append(
    el("div", { class: "document-header" },
      pageHeading(title(fields, record)),
      el("p", { class: "muted" }, record.filename, " · ", statusBadge(record.status), " · ",
        record.correction_version
          ? el("span", { class: "badge ok", "data-version": record.correction_version }, `Đã sửa — phiên bản ${record.correction_version}`)
          : el("span", { class: "badge" }, "Chưa sửa")),
    ),
    el("div", { class: "document-layout" },
      el("section", { class: "document-pages", "aria-label": "Ảnh trang" }, viewerElement),
      el("section", { class: "document-fields", "aria-labelledby": "fields-title" },
        renderFlags(record, governance),
        el("h2", { id: "fields-title" }, "Thông tin văn bản"),
        el("p", { class: "muted small-print" }, hasRole(...CORRECTORS)
          ? "Chọn một trường để xem vị trí trên trang; nút Sửa để đính chính."
          : "Chọn một trường để xem vị trí trên trang."),
        view.list,
        renderAccess(record),
        renderHistory(history),
      ),
    ),
  );
  if (state.onKey) document.removeEventListener("keydown", state.onKey);
  state.onKey = (event) => {
    if (event.key === "Escape" && view.editing) {
      event.preventDefault();
      view.editing.cancel();
    }
  };
  document.addEventListener("keydown", state.onKey);
}

function renderFlags(record, governance) {
  const quality = record.result.quality ?? {};
  const badges = [
    quality.has_red_seal && ["Có dấu đỏ (con dấu)", "ok"],
    quality.has_handwriting && ["Có chữ viết tay", "warn"],
    quality.has_digital_signature && ["Có chữ ký số", "ok"],
    quality.incoming_stamp && ["Có dấu công văn đến", ""],
    quality.copy_form && [`Bản sao: ${quality.copy_form}`, ""],
    quality.blank_pages?.length && [`Trang trắng: ${quality.blank_pages.map((p) => p + 1).join(", ")}`, "warn"],
  ].filter(Boolean);
  const flags = governance?.flags ?? [];
  const items = [
    ...badges.map(([text, kind]) => el("li", {}, el("span", { class: `badge ${kind}` }, text))),
    ...flags.map((flag) => el("li", {},
      el("span", { class: `badge ${flag.severity === "info" ? "" : flag.severity === "error" ? "error" : "warn"}`, title: flag.message },
        FLAG_LABELS[flag.code] ?? flag.code,
        flag.page !== null && flag.page !== undefined ? ` (trang ${flag.page + 1})` : "",
        flag.field ? ` — ${fieldLabel(flag.field)}` : ""))),
  ];
  const dpis = (quality.pages ?? []).map((p) => p.dpi).filter(Boolean);
  return el("div", { class: "flags" },
    el("h2", { class: "sr-only" }, "Dấu hiệu và chất lượng"),
    items.length ? el("ul", { class: "flag-list", "aria-label": "Dấu hiệu và cảnh báo chất lượng" }, items)
      : el("p", { class: "muted" }, "Không có cảnh báo chất lượng."),
    dpis.length ? el("p", { class: "muted small-print" }, `Độ phân giải quét: ${Math.round(Math.min(...dpis))} dpi`) : null,
  );
}

function renderAccess(record) {
  return el("details", { class: "access" },
    el("summary", {}, "Quyền truy cập"),
    el("dl", {},
      el("dt", {}, "Đơn vị sở hữu"), el("dd", {}, record.agency_code ?? "—"),
      el("dt", {}, "Độ mật"), el("dd", {}, SECRECY_LABELS[record.secrecy] ?? String(record.secrecy)),
      el("dt", {}, "Chế độ sử dụng"), el("dd", {}, ACCESS_MODE_LABELS[record.access_mode] ?? record.access_mode)));
}

function renderHistory(history) {
  if (!history.items.length) return null;
  return el("details", { class: "history" },
    el("summary", {}, `Lịch sử đính chính (${history.items.length})`),
    el("ol", {}, history.items.map((version) => el("li", {},
      `Phiên bản ${version.version} — ${version.corrected_by}, ${formatDateTime(version.created_at)}: `,
      Object.entries(version.fields).map(([name, value], i) =>
        [i ? "; " : "", el("strong", {}, fieldLabel(name)), `: ${displayValue(name, version.previous[name]) || "∅"} → ${displayValue(name, value) || "∅"}`]),
      Object.keys(version.boxes).length && !Object.keys(version.fields).length ? "chỉ sửa vị trí" : ""))));
}

function renderFields(view) {
  const { data, fields, boxes } = view;
  const confidence = data.record.result.confidence ?? {};
  const corrected = new Set(data.record.corrected_fields ?? []);
  clear(view.list).append(...FIELD_ORDER.map((name) => {
    const value = displayValue(name, fields[name]);
    const sure = confidence[name];
    const box = boxes[name];
    const show = el("button", {
      type: "button", class: "field-show", "aria-describedby": `field-${name}-value`, disabled: !box,
      title: box ? "Xem vị trí trên trang" : "Không có vị trí trên trang",
      onclick: () => view.state.viewer?.highlight(box, fieldLabel(name)),
    }, fieldLabel(name));
    return el("li", { class: "field", "data-field": name },
      el("div", { class: "field-head" }, show,
        corrected.has(name) ? el("span", { class: "badge ok" }, "đã sửa") : null,
        sure !== undefined && !corrected.has(name)
          ? el("span", { class: `badge ${sure < LOW_CONFIDENCE ? "warn" : ""}`, title: "Độ tin cậy" }, percent(sure)) : null,
        hasRole(...CORRECTORS)
          ? el("button", { type: "button", class: "small field-edit", "aria-label": `Sửa ${fieldLabel(name)}`, onclick: () => startEditing(view, name) }, "Sửa")
          : null),
      el("div", { id: `field-${name}-value`, class: `field-value${value ? "" : " empty"}` }, value || "(trống)"));
  }));
}

// --- correction ------------------------------------------------------------------------------------------------

function inputFor(name, value) {
  const id = `edit-${name}`;
  if (FIELD_CHOICES[name]) {
    return el("select", { id }, el("option", { value: "" }, "(trống)"),
      FIELD_CHOICES[name].map((choice) => el("option", { value: choice, selected: choice === value },
        name === "block" ? BLOCK_LABELS[choice] : choice)));
  }
  if (name === "issued_date") return el("input", { id, type: "date", value: value ?? "" });
  if (name === "recipients") return el("textarea", { id, rows: 4, "aria-describedby": `${id}-hint` }, (value ?? []).join("\n"));
  if (LONG_FIELDS.has(name)) return el("textarea", { id, rows: 3 }, value ?? "");
  return el("input", { id, type: "text", value: value ?? "" });
}

function readInput(name, input) {
  const text = input.value.trim();
  if (name === "recipients") return input.value.split("\n").map((line) => line.trim()).filter(Boolean);
  return text === "" ? null : text;
}

function startEditing(view, name) {
  view.editing?.cancel();
  const item = view.list.querySelector(`[data-field="${name}"]`);
  const original = view.fields[name];
  const input = inputFor(name, original);
  let box = null; // the box picked or drawn for this correction
  const boxNote = el("span", { class: "muted small-print", "aria-live": "polite" }, view.boxes[name] ? "Giữ vị trí hiện tại." : "Chưa có vị trí.");
  const problem = el("div");
  let pickedText = null;
  const useText = el("button", { type: "button", class: "small", disabled: true, onclick: () => {
    input.value = pickedText;
    input.focus();
  } }, "Dùng chữ đã chọn");
  const modeButtons = [["words", "Chọn từ trên trang"], ["draw", "Vẽ khung mới"]].map(([mode, text]) =>
    el("button", { type: "button", class: "small", "aria-pressed": "false", disabled: !view.state.viewer, "data-mode": mode, onclick: (event) => {
      const on = event.currentTarget.getAttribute("aria-pressed") !== "true";
      for (const button of modeButtons) button.setAttribute("aria-pressed", String(on && button === event.currentTarget));
      view.state.viewer.setMode(on ? mode : "view");
    } }, text));
  const save = el("button", { type: "submit", class: "primary small" }, "Lưu");
  const form = el("form", { class: "field-form", "aria-label": `Sửa ${fieldLabel(name)}` },
    el("label", { for: input.id }, fieldLabel(name)),
    input,
    name === "recipients" ? el("small", { id: `${input.id}-hint`, class: "muted" }, "Mỗi nơi nhận một dòng.") : null,
    el("div", { class: "button-row", role: "group", "aria-label": "Vị trí trên trang" }, ...modeButtons, useText),
    boxNote,
    problem,
    el("div", { class: "button-row" }, save, el("button", { type: "button", class: "small", onclick: () => editing.cancel() }, "Hủy"),
      el("span", { class: "muted small-print" }, "Esc để hủy")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = readInput(name, input);
    const body = { fields: {}, boxes: {} };
    if (JSON.stringify(value) !== JSON.stringify(original ?? (name === "recipients" ? [] : null))) body.fields[name] = value;
    if (box) body.boxes[name] = { page: box.page, bbox: box.bbox };
    if (!Object.keys(body.fields).length && !Object.keys(body.boxes).length) {
      problem.replaceChildren(errorBox({ message: "Chưa có thay đổi nào để lưu." }));
      return;
    }
    save.disabled = true;
    try {
      const saved = await api.put(documentPath(view.state.id, "/fields"), body);
      toast(`Đã lưu: ${fieldLabel(name)} — phiên bản ${saved.version}`, "ok");
      view.state.viewer?.setMode("view");
      view.editing = null;
      await load(view.state, view.state.viewer?.page ?? 0);
      view.state.container.querySelector(`[data-field="${name}"] .field-edit`)?.focus();
    } catch (error) {
      problem.replaceChildren(errorBox(error));
      save.disabled = false;
    }
  });
  const editing = {
    pick(choice) {
      box = choice;
      boxNote.textContent = `Vị trí mới: trang ${choice.page + 1}${choice.text ? ` — “${choice.text}”` : ""}`;
      pickedText = choice.text;
      useText.disabled = !choice.text;
    },
    cancel() {
      view.state.viewer?.setMode("view");
      view.editing = null;
      renderFields(view);
      view.list.querySelector(`[data-field="${name}"] .field-edit`)?.focus();
    },
  };
  view.editing = editing;
  item.replaceChildren(form);
  if (view.boxes[name]) view.state.viewer?.highlight(view.boxes[name], "Hiện tại");
  input.focus();
}

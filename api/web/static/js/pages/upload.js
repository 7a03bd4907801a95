// Upload: many files dropped or chosen; each is sent with its own progress bar (XHR upload progress), then its
// document is polled until it is extracted or failed. Errors are shown per file.

import { api, upload } from "../api.js";
import { ACCESS_MODE_LABELS, SECRECY_LABELS, STATUS_LABELS } from "../labels.js";
import { currentPrincipal } from "../session.js";
import { el, formatBytes, pageHeading, percent } from "../ui.js";
import { statusBadge } from "./document.js";

const PARALLEL_UPLOADS = 2;
const POLL_MS = 1500;
const ACCEPT = ".pdf,.tif,.tiff,.png,.jpg,.jpeg,application/pdf,image/tiff,image/png,image/jpeg";

export function render(container) {
  const state = { queue: [], running: 0, timers: new Set(), leaving: false };
  const picker = el("input", { id: "upload-files", type: "file", multiple: true, accept: ACCEPT, class: "sr-only" });
  const zone = el("div", { class: "drop-zone", "aria-describedby": "upload-hint" },
    el("p", { class: "drop-title" }, "Kéo và thả tệp vào đây"),
    el("p", { class: "muted" }, "hoặc"),
    el("label", { for: "upload-files", class: "button primary", tabindex: "0", role: "button", "data-shortcut": "upload" }, "Chọn tệp…"),
    picker,
    el("p", { id: "upload-hint", class: "muted small-print" }, "PDF, TIFF, PNG, JPEG; chọn được nhiều tệp một lúc."),
  );
  const access = accessChoice();
  const list = el("ul", { class: "upload-list", "aria-label": "Tệp đang tải lên" });
  const summary = el("p", { class: "upload-summary", role: "status", "aria-live": "polite" });
  container.append(pageHeading("Tải văn bản lên"), access.element, zone, summary, list);

  const add = (files) => {
    for (const file of files) {
      const item = fileItem(file, access.fields());
      list.append(item.element);
      state.queue.push(item);
    }
    pump(state);
  };
  picker.addEventListener("change", () => {
    add([...picker.files]);
    picker.value = "";
  });
  zone.querySelector("label").addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      picker.click();
    }
  });
  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  }
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    add([...event.dataTransfer.files]);
  });
  state.summary = summary;
  state.list = list;
  return () => {
    state.leaving = true;
    for (const timer of state.timers) clearTimeout(timer);
  };
}

// Độ mật and chế độ sử dụng given to the files dropped next (the service defaults: Thường, công khai, own agency).
function accessChoice() {
  const clearance = currentPrincipal()?.clearance ?? 0;
  const secrecy = el("select", { id: "upload-secrecy" },
    SECRECY_LABELS.slice(0, clearance + 1).map((label, level) => el("option", { value: String(level) }, label)));
  const mode = el("select", { id: "upload-mode" },
    Object.entries(ACCESS_MODE_LABELS).map(([value, label]) => el("option", { value }, label)));
  const element = el("fieldset", { class: "upload-access" },
    el("legend", {}, "Thuộc tính của các tệp tải lên tiếp theo"),
    el("div", {}, el("label", { for: "upload-secrecy" }, "Độ mật"), secrecy),
    el("div", {}, el("label", { for: "upload-mode" }, "Chế độ sử dụng"), mode));
  return { element, fields: () => ({ secrecy: secrecy.value, access_mode: mode.value }) };
}

function fileItem(file, fields) {
  const bar = el("progress", { max: "1", value: "0", "aria-label": `Tiến độ tải lên ${file.name}` });
  const status = el("span", { class: "upload-status" }, "Đang chờ");
  const detail = el("div", { class: "upload-detail" });
  const element = el("li", { class: "upload-item", "data-state": "waiting" },
    el("div", { class: "upload-name" }, el("strong", {}, file.name), el("span", { class: "muted" }, ` (${formatBytes(file.size)})`)),
    bar, status, detail);
  return { file, fields, bar, status, detail, element };
}

function setState(item, stateName, statusNode) {
  item.element.dataset.state = stateName;
  item.status.replaceChildren(statusNode);
}

function pump(state) {
  while (state.running < PARALLEL_UPLOADS && state.queue.length) {
    const item = state.queue.shift();
    state.running++;
    send(state, item).finally(() => {
      state.running--;
      pump(state);
    });
  }
  summarise(state);
}

async function send(state, item) {
  setState(item, "uploading", "Đang tải lên…");
  try {
    const { status, body } = await upload("/v1/documents", item.file, {
      fields: item.fields,
      onProgress: (fraction) => {
        item.bar.value = fraction;
        item.status.textContent = `Đang tải lên ${percent(fraction)}`;
      },
    });
    item.id = body.id;
    if (status === 200) item.detail.replaceChildren(el("span", { class: "muted" }, "Tệp này đã có trong kho; dùng lại bản ghi cũ."));
    follow(state, item, body);
  } catch (error) {
    item.bar.value = 0;
    setState(item, "failed", el("span", { class: "badge error" }, "Lỗi"));
    item.detail.replaceChildren(el("span", { class: "error-text", role: "alert" }, error.message), error.reason ? el("small", { class: "detail" }, error.reason) : null);
    summarise(state);
  }
}

// Poll the document until its extraction is done or failed.
function follow(state, item, record) {
  if (state.leaving) return;
  const link = el("a", { href: `#/documents/${encodeURIComponent(record.id)}` }, "Mở văn bản");
  setState(item, record.status, el("span", {}, statusBadge(record.status), " ", record.status === "done" ? link : null));
  if (record.status === "failed") {
    item.detail.replaceChildren(el("span", { class: "error-text", role: "alert" }, "Không trích xuất được: "), el("small", { class: "detail" }, record.error ?? ""));
  }
  summarise(state);
  if (record.status === "done" || record.status === "failed") return;
  const timer = setTimeout(async () => {
    state.timers.delete(timer);
    try {
      follow(state, item, await api.get(`/v1/documents/${encodeURIComponent(record.id)}`));
    } catch (error) {
      item.detail.replaceChildren(el("span", { class: "error-text" }, error.message));
    }
  }, POLL_MS);
  state.timers.add(timer);
}

function summarise(state) {
  const items = [...state.list.querySelectorAll(".upload-item")];
  const count = (name) => items.filter((item) => item.dataset.state === name).length;
  const parts = [`${items.length} tệp`, `${count("done")} ${STATUS_LABELS.done.toLowerCase()}`, `${count("failed")} lỗi`];
  const busy = items.length - count("done") - count("failed");
  if (busy) parts.push(`${busy} đang xử lý`);
  state.summary.textContent = parts.join(" · ");
}

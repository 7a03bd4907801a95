// Review queue: what waits for a records officer — fields read with low confidence, quality flags, duplicate
// groups and retention proposals — each with its confirm / override actions. Paged with the service's cursor.

import { request, api } from "../api.js";
import { displayValue, fieldLabel, FIELD_CHOICES, FLAG_LABELS } from "../labels.js";
import { currentPrincipal } from "../session.js";
import { el, clear, errorBox, formatDateTime, loading, pageHeading, percent, showError, toast } from "../ui.js";

const PAGE_SIZE = 20;
const NEXT_CURSOR_HEADER = "X-Vanthu-Next-Cursor";

const KINDS = {
  "": "Tất cả",
  fields: "Trường độ tin cậy thấp",
  quality: "Cảnh báo chất lượng",
  duplicates: "Nhóm văn bản trùng",
  retention: "Thời hạn bảo quản",
};

const PERIOD_LABELS = {
  permanent: "Vĩnh viễn",
  until_expiry: "Đến khi hết hiệu lực",
  70: "70 năm",
  50: "50 năm",
  30: "30 năm",
  20: "20 năm",
  15: "15 năm",
  10: "10 năm",
  5: "5 năm",
};

const MEMBER_ROLES = { original: "Bản gốc", copy: "Bản sao", duplicate: "Bản trùng" };
const DUPLICATE_REASONS = {
  copy_of: "bản sao (SAO Y) của văn bản kia",
  exact_file: "cùng một tệp",
  same_pages: "các trang giống nhau",
  same_text: "nội dung giống nhau",
  same_metadata: "cùng số, ngày và cơ quan ban hành",
};
const SEVERITY_CLASS = { error: "error", warning: "warn", info: "" };

export function render(container, params) {
  const query = params.query;
  const state = { kind: query.get("kind") ?? "", status: query.get("status") ?? "open", cursors: [null] };
  const kindSelect = el("select", { id: "review-kind" },
    Object.entries(KINDS).map(([value, label]) => el("option", { value, selected: value === state.kind }, label)));
  const statusSelect = el("select", { id: "review-status" },
    el("option", { value: "open", selected: state.status === "open" }, "Chưa xử lý"),
    el("option", { value: "resolved", selected: state.status === "resolved" }, "Đã xử lý"));
  const list = el("div", { class: "review-list", "aria-live": "polite", "aria-busy": "false" });
  const previous = el("button", { type: "button", class: "secondary" }, "← Trang trước");
  const next = el("button", { type: "button", class: "secondary" }, "Trang sau →");
  const position = el("span", { class: "muted" });

  const load = async () => {
    list.setAttribute("aria-busy", "true");
    clear(list).append(loading());
    try {
      const cursor = state.cursors[state.cursors.length - 1];
      const response = await request("GET", "/v1/review", {
        query: { kind: state.kind, status: state.status, limit: PAGE_SIZE, cursor }, raw: true,
      });
      const items = await response.json();
      state.nextCursor = response.headers.get(NEXT_CURSOR_HEADER);
      clear(list);
      if (!items.length) list.append(el("p", { class: "muted" }, "Không có mục nào cần duyệt."));
      for (const item of items) list.append(itemCard(item, state.status === "open", load));
      previous.disabled = state.cursors.length === 1;
      next.disabled = !state.nextCursor;
      position.textContent = `Trang ${state.cursors.length}`;
    } catch (error) {
      clear(list).append(errorBox(error));
    } finally {
      list.setAttribute("aria-busy", "false");
    }
  };
  const restart = () => {
    state.kind = kindSelect.value;
    state.status = statusSelect.value;
    state.cursors = [null];
    load();
  };
  kindSelect.addEventListener("change", restart);
  statusSelect.addEventListener("change", restart);
  next.addEventListener("click", () => {
    state.cursors.push(state.nextCursor);
    load();
  });
  previous.addEventListener("click", () => {
    state.cursors.pop();
    load();
  });

  container.append(
    pageHeading("Hàng đợi duyệt"),
    el("div", { class: "review-filters" },
      el("div", {}, el("label", { for: "review-kind" }, "Loại"), kindSelect),
      el("div", {}, el("label", { for: "review-status" }, "Trạng thái"), statusSelect)),
    list,
    el("nav", { class: "button-row pager", "aria-label": "Phân trang" }, previous, position, next),
  );
  load();
}

// The name recorded as who decided: the logged-in user's subject.
function decidedBy() {
  return currentPrincipal()?.subject ?? "unknown";
}

function itemCard(item, open, reload) {
  const title = {
    fields: `${fieldLabel(item.field)}: độ tin cậy ${item.confidence === null ? "?" : percent(item.confidence)}`,
    quality: `${FLAG_LABELS[item.code] ?? item.code}${item.field ? `: ${fieldLabel(item.field)}` : ""}`,
    duplicates: "Các văn bản có thể là một",
    retention: "Đề xuất thời hạn bảo quản",
  }[item.kind] ?? item.code;
  const card = el("article", { class: "card review-item", "data-kind": item.kind, "aria-label": title },
    el("header", { class: "review-item-head" },
      el("h2", {}, title),
      el("span", { class: `badge ${SEVERITY_CLASS[item.severity] ?? ""}` }, KINDS[item.kind] ?? item.kind)),
    item.document_id
      ? el("p", {}, "Văn bản: ", el("a", { href: `#/documents/${encodeURIComponent(item.document_id)}` },
        item.filename ?? item.document_id), item.page !== null ? ` — trang ${item.page + 1}` : "")
      : null,
    // the service's own wording (English) says what was measured; the title above says it in Vietnamese
    item.kind === "quality" ? el("p", { class: "muted small-print", lang: "en" }, item.message) : null,
  );
  if (!open) {
    card.append(el("p", { class: "muted" },
      `Đã xử lý bởi ${item.resolved_by ?? "?"} lúc ${formatDateTime(item.resolved_at)}: ${item.resolution ?? ""}`));
    return card;
  }
  const actions = { fields: fieldActions, quality: resolveActions, duplicates: groupActions, retention: retentionActions };
  card.append((actions[item.kind] ?? resolveActions)(item, reload));
  return card;
}

// Run an action, then tell the user and reload the queue; errors stay on the card.
async function act(button, action, message, reload) {
  button.disabled = true;
  try {
    await action();
    toast(message, "ok");
    reload();
  } catch (error) {
    showError(error);
    button.disabled = false;
  }
}

function resolve(item, note) {
  return api.post(`/v1/review/${encodeURIComponent(item.id)}/resolve`, { by: decidedBy(), note: note || null });
}

function noteInput(item) {
  return el("input", { type: "text", id: `note-${item.id}`, maxlength: "2000" });
}

function resolveActions(item, reload) {
  const note = noteInput(item);
  const done = el("button", { type: "button", class: "primary" }, "Đã xử lý");
  done.addEventListener("click", () => act(done, () => resolve(item, note.value), "Đã đánh dấu là đã xử lý.", reload));
  return el("div", { class: "review-actions" },
    el("label", { for: note.id }, "Ghi chú (không bắt buộc)"), note, el("div", { class: "button-row" }, done));
}

function valueInput(item) {
  const id = `value-${item.id}`;
  const current = item.value ?? "";
  const choices = FIELD_CHOICES[item.field];
  if (choices) {
    return el("select", { id },
      el("option", { value: "" }, "(để trống)"),
      choices.map((choice) => el("option", { value: choice, selected: choice === current }, displayValue(item.field, choice))));
  }
  const type = item.field === "issued_date" ? "date" : "text";
  return el("input", { id, type, value: Array.isArray(current) ? current.join("; ") : current });
}

function fieldValue(item, input) {
  const text = input.value.trim();
  if (text === "") return null;
  if (item.field === "recipients") return text.split(";").map((part) => part.trim()).filter(Boolean);
  return text;
}

function fieldActions(item, reload) {
  const input = valueInput(item);
  const confirm = el("button", { type: "button", class: "primary" }, "Xác nhận đúng");
  const save = el("button", { type: "button" }, "Lưu giá trị sửa");
  confirm.addEventListener("click", () =>
    act(confirm, () => resolve(item, "xác nhận đúng"), "Đã xác nhận giá trị.", reload));
  save.addEventListener("click", () => act(save, async () => {
    await api.put(`/v1/documents/${encodeURIComponent(item.document_id)}/fields`, {
      fields: { [item.field]: fieldValue(item, input) },
    });
    await resolve(item, "đã sửa giá trị");
  }, "Đã lưu giá trị sửa (thành dữ liệu huấn luyện).", reload));
  return el("div", { class: "review-actions" },
    el("p", {}, "Giá trị đọc được: ", el("strong", {}, displayValue(item.field, item.value) || "(trống)")),
    el("label", { for: input.id }, `Giá trị đúng của «${fieldLabel(item.field)}»`), input,
    el("div", { class: "button-row" }, confirm, save));
}

function groupActions(item, reload) {
  const group = item.group;
  if (!group) return resolveActions(item, reload);
  const name = `original-${group.id}`;
  const members = el("fieldset", { class: "review-members" },
    el("legend", {}, "Chọn bản gốc (có giá trị pháp lý)"),
    group.members.map((member) => el("div", { class: "radio-row" },
      el("input", { type: "radio", name, id: `${name}-${member.document_id}`, value: member.document_id,
        checked: member.document_id === group.original_id }),
      el("label", { for: `${name}-${member.document_id}` },
        el("a", { href: `#/documents/${encodeURIComponent(member.document_id)}` }, member.filename),
        ` (${MEMBER_ROLES[member.role] ?? member.role})`))));
  const note = noteInput(item);
  const confirm = el("button", { type: "button", class: "primary" }, "Xác nhận là một văn bản");
  const reject = el("button", { type: "button" }, "Không phải trùng");
  const path = (action) => `/v1/duplicates/${encodeURIComponent(group.id)}/${action}`;
  confirm.addEventListener("click", () => act(confirm, () => api.post(path("confirm"), {
    by: decidedBy(), note: note.value || null, original_id: members.querySelector("input:checked")?.value ?? null,
  }), "Đã xác nhận nhóm trùng.", reload));
  reject.addEventListener("click", () => act(reject, () => api.post(path("reject"), {
    by: decidedBy(), note: note.value || null,
  }), "Đã ghi nhận: các văn bản khác nhau.", reload));
  return el("div", { class: "review-actions" },
    el("p", { class: "muted" }, `Lý do: ${group.reasons.map((r) => DUPLICATE_REASONS[r] ?? r).join("; ")}`), members,
    el("label", { for: note.id }, "Ghi chú (không bắt buộc)"), note, el("div", { class: "button-row" }, confirm, reject));
}

function retentionActions(item, reload) {
  const proposal = item.retention;
  if (!proposal) return resolveActions(item, reload);
  const select = el("select", { id: `period-${item.id}` },
    Object.entries(PERIOD_LABELS).map(([value, label]) =>
      el("option", { value, selected: value === proposal.period }, label)));
  const note = noteInput(item);
  const confirm = el("button", { type: "button", class: "primary" }, "Xác nhận đề xuất");
  const override = el("button", { type: "button" }, "Áp dụng thời hạn đã chọn");
  const decide = (period) => api.post(`/v1/documents/${encodeURIComponent(item.document_id)}/retention`, {
    by: decidedBy(), note: note.value || null, period,
  });
  confirm.addEventListener("click", () => act(confirm, () => decide(null), "Đã xác nhận thời hạn bảo quản.", reload));
  override.addEventListener("click", () =>
    act(override, () => decide(select.value), "Đã thay đổi thời hạn bảo quản.", reload));
  return el("div", { class: "review-actions" },
    el("p", {}, "Đề xuất: ", el("strong", {}, PERIOD_LABELS[proposal.period] ?? proposal.period)),
    el("p", { class: "muted" }, `Căn cứ: ${proposal.citation}`),
    el("label", { for: select.id }, "Thời hạn bảo quản"), select,
    el("label", { for: note.id }, "Ghi chú (không bắt buộc)"), note,
    el("div", { class: "button-row" }, confirm, override));
}

// Administration: users (create, roles / agency / clearance, disable), API keys (create — the secret shown
// once —, rotate, revoke) and the audit log (filters, paging, hash-chain verification). Tabs: ?tab=users|keys|audit.

import { api } from "../api.js";
import { ROLE_LABELS, SECRECY_LABELS } from "../labels.js";
import { el, clear, errorBox, formatDateTime, loading, pageHeading, showError, toast } from "../ui.js";

const TABS = { users: "Người dùng", keys: "Khoá API", audit: "Nhật ký kiểm tra" };
const AUDIT_ACTIONS = {
  login: "Đăng nhập",
  login_failed: "Đăng nhập thất bại",
  read: "Xem",
  search: "Tìm kiếm",
  export: "Xuất dữ liệu",
  correction: "Sửa trường",
  admin: "Quản trị",
  denied: "Bị từ chối",
  write: "Ghi",
};
const AUDIT_PAGE_SIZE = 50;

export function render(container, params) {
  const active = TABS[params.query.get("tab")] ? params.query.get("tab") : "users";
  const panel = el("section", { id: "admin-panel", role: "tabpanel", "aria-labelledby": `tab-${active}`, tabindex: "0" });
  const tabs = el("div", { class: "tabs", role: "tablist", "aria-label": "Mục quản trị" },
    Object.entries(TABS).map(([key, label]) => el("a", {
      id: `tab-${key}`, role: "tab", href: `#/admin?tab=${key}`, "aria-selected": String(key === active),
      "aria-controls": "admin-panel", tabindex: key === active ? "0" : "-1",
    }, label)));
  tabs.addEventListener("keydown", (event) => moveTab(event, tabs));
  container.append(pageHeading("Quản trị"), tabs, panel);
  const show = { users: usersTab, keys: keysTab, audit: auditTab }[active];
  show(panel).catch((error) => clear(panel).append(errorBox(error)));
}

// Arrow keys move between the tabs (the WAI-ARIA tabs pattern); Enter follows the link.
function moveTab(event, tabs) {
  const links = [...tabs.querySelectorAll("[role=tab]")];
  const index = links.indexOf(document.activeElement);
  const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
  if (index < 0 || !step) return;
  event.preventDefault();
  links[(index + step + links.length) % links.length].focus();
}

// --- shared form parts ---------------------------------------------------------------------------

function flattenAgencies(node, depth = 0) {
  return [{ code: node.code, label: `${"— ".repeat(depth)}${node.name} (${node.code})` },
    ...node.children.flatMap((child) => flattenAgencies(child, depth + 1))];
}

function agencySelect(id, agencies, selected) {
  return el("select", { id }, agencies.map((a) => el("option", { value: a.code, selected: a.code === selected }, a.label)));
}

function clearanceSelect(id, selected = 0) {
  return el("select", { id }, SECRECY_LABELS.map((label, level) => el("option", { value: level, selected: level === selected }, label)));
}

function roleBoxes(prefix, selected, roles = Object.keys(ROLE_LABELS)) {
  const boxes = roles.map((role) => ({ role, input: el("input", { type: "checkbox", id: `${prefix}-${role}`, value: role, checked: selected.includes(role) }) }));
  const fieldset = el("fieldset", { class: "role-boxes" }, el("legend", {}, "Vai trò"),
    boxes.map(({ role, input }) => el("div", { class: "check-row" }, input, el("label", { for: input.id }, ROLE_LABELS[role]))));
  return { fieldset, values: () => boxes.filter((b) => b.input.checked).map((b) => b.role) };
}

function field(labelText, input) {
  return el("div", { class: "form-field" }, el("label", { for: input.id }, labelText), input);
}

function roleNames(roles) {
  return roles.map((role) => ROLE_LABELS[role] ?? role).join(", ");
}

async function submitting(button, action) {
  button.disabled = true;
  try {
    await action();
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
}

function table(caption, headers, rows) {
  return el("div", { class: "table-scroll" },
    el("table", { class: "data" }, el("caption", { class: "sr-only" }, caption),
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows)));
}

// --- users ---------------------------------------------------------------------------------------

async function usersTab(panel) {
  clear(panel).append(loading());
  const [users, tree] = await Promise.all([api.get("/v1/admin/users"), api.get("/v1/admin/agencies")]);
  const agencies = flattenAgencies(tree);
  const reload = () => usersTab(panel).catch((error) => clear(panel).append(errorBox(error)));
  const rows = users.map((user) => userRow(user, agencies, reload));
  clear(panel).append(
    el("h2", {}, "Người dùng"),
    table("Danh sách người dùng", ["Tên đăng nhập", "Vai trò", "Đơn vị", "Độ mật được xem", "Trạng thái", "Thao tác"], rows),
    newUserForm(agencies, reload),
  );
}

function userRow(user, agencies, reload) {
  const edit = el("button", { type: "button", class: "small", "aria-label": `Sửa người dùng ${user.username}` }, "Sửa");
  const toggle = el("button", { type: "button", class: "small", "aria-label": `${user.disabled ? "Kích hoạt" : "Vô hiệu hoá"} ${user.username}` },
    user.disabled ? "Kích hoạt" : "Vô hiệu hoá");
  const row = el("tr", { "data-username": user.username },
    el("th", { scope: "row" }, user.username), el("td", {}, roleNames(user.roles)), el("td", {}, user.agency_code),
    el("td", {}, SECRECY_LABELS[user.clearance]),
    el("td", {}, el("span", { class: `badge ${user.disabled ? "error" : "ok"}` }, user.disabled ? "Đã vô hiệu" : "Đang hoạt động")),
    el("td", {}, el("div", { class: "button-row tight" }, edit, toggle)));
  toggle.addEventListener("click", () => submitting(toggle, async () => {
    await api.patch(`/v1/admin/users/${encodeURIComponent(user.username)}`, { disabled: !user.disabled });
    toast(user.disabled ? "Đã kích hoạt người dùng." : "Đã vô hiệu hoá người dùng.", "ok");
    reload();
  }));
  edit.addEventListener("click", () => {
    row.after(editUserRow(user, agencies, reload));
    edit.disabled = true;
  });
  return row;
}

function editUserRow(user, agencies, reload) {
  const prefix = `edit-${user.username}`;
  const roles = roleBoxes(`${prefix}-role`, user.roles);
  const agency = agencySelect(`${prefix}-agency`, agencies, user.agency_code);
  const clearance = clearanceSelect(`${prefix}-clearance`, user.clearance);
  const password = el("input", { id: `${prefix}-password`, type: "password", autocomplete: "new-password" });
  const save = el("button", { type: "submit", class: "primary" }, "Lưu");
  const cancel = el("button", { type: "button" }, "Huỷ");
  const form = el("form", { class: "inline-form", "aria-label": `Sửa người dùng ${user.username}` },
    roles.fieldset, field("Đơn vị", agency), field("Độ mật được xem", clearance),
    field("Mật khẩu mới (để trống nếu không đổi)", password), el("div", { class: "button-row" }, save, cancel));
  const row = el("tr", { class: "edit-row" }, el("td", { colspan: "6" }, form));
  cancel.addEventListener("click", reload);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(save, async () => {
      const change = { roles: roles.values(), agency_code: agency.value, clearance: Number(clearance.value) };
      if (password.value) change.password = password.value;
      await api.patch(`/v1/admin/users/${encodeURIComponent(user.username)}`, change);
      toast("Đã lưu thay đổi.", "ok");
      reload();
    });
  });
  setTimeout(() => roles.fieldset.querySelector("input")?.focus());
  return row;
}

function newUserForm(agencies, reload) {
  const username = el("input", { id: "new-user-name", type: "text", autocomplete: "off", required: true });
  const password = el("input", { id: "new-user-password", type: "password", autocomplete: "new-password", required: true });
  const roles = roleBoxes("new-user-role", ["staff_reader"]);
  const agency = agencySelect("new-user-agency", agencies, agencies[0]?.code);
  const clearance = clearanceSelect("new-user-clearance");
  const create = el("button", { type: "submit", class: "primary" }, "Tạo người dùng");
  const form = el("form", { class: "card admin-form", "aria-labelledby": "new-user-title" },
    el("h2", { id: "new-user-title" }, "Thêm người dùng"),
    el("div", { class: "form-grid" }, field("Tên đăng nhập", username), field("Mật khẩu", password),
      field("Đơn vị", agency), field("Độ mật được xem", clearance)),
    roles.fieldset, el("div", { class: "button-row" }, create));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(create, async () => {
      await api.post("/v1/admin/users", {
        username: username.value.trim(), password: password.value, roles: roles.values(),
        agency_code: agency.value, clearance: Number(clearance.value),
      });
      toast(`Đã tạo người dùng ${username.value.trim()}.`, "ok");
      reload();
    });
  });
  return form;
}

// --- API keys ------------------------------------------------------------------------------------

async function keysTab(panel, created = null) {
  clear(panel).append(loading());
  const [keys, tree] = await Promise.all([api.get("/v1/admin/keys"), api.get("/v1/admin/agencies")]);
  const agencies = flattenAgencies(tree);
  const reload = (secret = null) => keysTab(panel, secret).catch((error) => clear(panel).append(errorBox(error)));
  clear(panel).append(
    el("h2", {}, "Khoá API"),
    created ? secretBox(created) : null,
    table("Danh sách khoá API", ["Tên", "Mã nhận diện", "Vai trò", "Đơn vị", "Tạo bởi", "Tạo lúc", "Dùng lần cuối", "Trạng thái", "Thao tác"],
      keys.map((key) => keyRow(key, reload))),
    newKeyForm(agencies, reload),
  );
  if (created) panel.querySelector(".secret-box input")?.focus();
}

function secretBox(created) {
  const value = el("input", { id: "new-key-secret", type: "text", readonly: true, value: created.key, class: "secret" });
  const copy = el("button", { type: "button" }, "Sao chép");
  copy.addEventListener("click", async () => {
    value.select();
    try {
      await navigator.clipboard.writeText(created.key);
      toast("Đã sao chép khoá.", "ok");
    } catch {
      toast("Không sao chép tự động được: hãy bấm Ctrl+C.", "info");
    }
  });
  return el("div", { class: "card secret-box", role: "alert" },
    el("h3", {}, `Khoá mới «${created.name}»`),
    el("p", {}, el("strong", {}, "Khoá chỉ hiển thị một lần này."), " Hãy lưu lại ngay; sau đó chỉ còn thấy mã nhận diện."),
    el("label", { for: value.id }, "Khoá API mới"), value, el("div", { class: "button-row" }, copy));
}

function keyRow(key, reload) {
  const revoked = Boolean(key.revoked_at);
  const status = revoked ? el("span", { class: "badge error" }, `Đã thu hồi ${formatDateTime(key.revoked_at)}`)
    : el("span", { class: "badge ok" }, "Đang dùng");
  const actions = el("div", { class: "button-row tight" });
  if (!revoked) {
    const rotate = el("button", { type: "button", class: "small", "aria-label": `Đổi khoá ${key.name}` }, "Đổi khoá");
    const revoke = el("button", { type: "button", class: "small", "aria-label": `Thu hồi khoá ${key.name}` }, "Thu hồi");
    rotate.addEventListener("click", () => submitting(rotate, async () => {
      const created = await api.post(`/v1/admin/keys/${encodeURIComponent(key.id)}/rotate`);
      toast("Đã đổi khoá; khoá cũ hết hiệu lực.", "ok");
      reload(created);
    }));
    revoke.addEventListener("click", () => confirmRevoke(actions, key, reload));
    actions.append(rotate, revoke);
  }
  return el("tr", { "data-key-id": key.id },
    el("th", { scope: "row" }, key.name), el("td", {}, el("code", {}, key.prefix)), el("td", {}, roleNames(key.roles)),
    el("td", {}, key.agency_code), el("td", {}, key.created_by), el("td", {}, formatDateTime(key.created_at)),
    el("td", {}, key.last_used_at ? formatDateTime(key.last_used_at) : "—"), el("td", {}, status), el("td", {}, actions));
}

// A second, explicit click instead of a browser dialog: keyboard- and screen-reader-friendly.
function confirmRevoke(actions, key, reload) {
  const yes = el("button", { type: "button", class: "small primary" }, "Xác nhận thu hồi");
  const no = el("button", { type: "button", class: "small" }, "Huỷ");
  yes.addEventListener("click", () => submitting(yes, async () => {
    await api.delete(`/v1/admin/keys/${encodeURIComponent(key.id)}`);
    toast(`Đã thu hồi khoá «${key.name}».`, "ok");
    reload();
  }));
  no.addEventListener("click", () => reload());
  clear(actions).append(el("span", { class: "sr-only", role: "status" }, `Thu hồi khoá ${key.name}?`), yes, no);
  yes.focus();
}

function newKeyForm(agencies, reload) {
  const name = el("input", { id: "new-key-name", type: "text", required: true, maxlength: "200" });
  const roles = roleBoxes("new-key-role", ["pipeline"]);
  const agency = agencySelect("new-key-agency", agencies, agencies[0]?.code);
  const clearance = clearanceSelect("new-key-clearance");
  const create = el("button", { type: "submit", class: "primary" }, "Tạo khoá");
  const form = el("form", { class: "card admin-form", "aria-labelledby": "new-key-title" },
    el("h2", { id: "new-key-title" }, "Tạo khoá API"),
    el("div", { class: "form-grid" }, field("Tên khoá (hệ thống dùng nó)", name), field("Đơn vị", agency),
      field("Độ mật được xem", clearance)),
    roles.fieldset, el("div", { class: "button-row" }, create));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(create, async () => {
      const created = await api.post("/v1/admin/keys", {
        name: name.value.trim(), roles: roles.values(), agency_code: agency.value, clearance: Number(clearance.value),
      });
      reload(created);
    });
  });
  return form;
}

// --- audit log -----------------------------------------------------------------------------------

async function auditTab(panel) {
  const actor = el("input", { id: "audit-actor", type: "text", placeholder: "user:ten.dang.nhap" });
  const action = el("select", { id: "audit-action" }, el("option", { value: "" }, "Tất cả"),
    Object.entries(AUDIT_ACTIONS).map(([value, label]) => el("option", { value }, label)));
  const since = el("input", { id: "audit-since", type: "date" });
  const apply = el("button", { type: "submit", class: "primary" }, "Lọc");
  const verification = el("div", { class: "chain-status", role: "status", "aria-live": "polite" }, loading("Đang kiểm tra chuỗi băm…"));
  const results = el("div", { "aria-live": "polite" });
  const older = el("button", { type: "button", class: "secondary" }, "Cũ hơn →");
  const newest = el("button", { type: "button", class: "secondary" }, "← Mới nhất");
  const filters = el("form", { class: "audit-filters", "aria-label": "Lọc nhật ký" },
    field("Người thực hiện", actor), field("Hành động", action), field("Từ ngày", since),
    el("div", { class: "button-row" }, apply));
  const state = { cursor: null, next: null };

  const load = async () => {
    clear(results).append(loading());
    try {
      const page = await api.get("/v1/audit", {
        actor: actor.value.trim(), action: action.value, since: since.value ? `${since.value}T00:00:00Z` : "",
        cursor: state.cursor, limit: AUDIT_PAGE_SIZE,
      });
      state.next = page.next_cursor;
      older.disabled = !page.next_cursor;
      newest.disabled = state.cursor === null;
      clear(results).append(page.items.length ? auditTable(page.items) : el("p", { class: "muted" }, "Không có mục nào."));
    } catch (error) {
      clear(results).append(errorBox(error));
    }
  };
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    state.cursor = null;
    load();
  });
  older.addEventListener("click", () => {
    state.cursor = state.next;
    load();
  });
  newest.addEventListener("click", () => {
    state.cursor = null;
    load();
  });
  clear(panel).append(el("h2", {}, "Nhật ký kiểm tra"), verification, filters, results,
    el("nav", { class: "button-row", "aria-label": "Phân trang nhật ký" }, newest, older));
  load();
  api.get("/v1/audit/verify").then((chain) => clear(verification).append(chainStatus(chain)))
    .catch((error) => clear(verification).append(errorBox(error)));
}

function chainStatus(chain) {
  if (chain.intact) {
    return el("span", { class: "badge ok" }, `Chuỗi băm toàn vẹn: ${chain.entries} mục đã kiểm tra`);
  }
  return el("div", { class: "error-box" },
    el("strong", {}, `Chuỗi băm bị phá vỡ tại mục #${chain.first_broken_seq}`),
    el("div", { class: "detail" }, chain.reason ?? ""));
}

function auditTable(items) {
  return table("Nhật ký kiểm tra", ["#", "Thời điểm", "Người thực hiện", "Hành động", "Yêu cầu", "Đối tượng", "Kết quả"],
    items.map((entry) => el("tr", {},
      el("th", { scope: "row" }, String(entry.seq)), el("td", {}, formatDateTime(entry.at)), el("td", {}, entry.actor),
      el("td", {}, AUDIT_ACTIONS[entry.action] ?? entry.action), el("td", {}, el("code", {}, `${entry.method} ${entry.route}`)),
      el("td", {}, entry.target ?? ""),
      el("td", {}, el("span", { class: `badge ${entry.status < 400 ? "ok" : "error"}` }, String(entry.status))))));
}

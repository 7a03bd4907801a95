// Small DOM helpers shared by the pages. Text goes in as text nodes, never as HTML.

// el("button", {class: "primary", type: "button", "aria-label": "...", onclick: fn}, "Lưu", otherNode, ...)
// Props: `class`, `text`, `dataset` (object), `on<event>` (a listener), anything else as an attribute
// (true -> empty attribute, false/null/undefined -> left out). Children: nodes, strings, arrays, null (skipped).
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

// The page's title: an <h1> that takes the focus after navigation, so screen readers announce the new page.
export function pageHeading(text, ...extra) {
  return el("h1", { class: "page-title", tabindex: "-1" }, text, ...extra);
}

// A transient message in the corner (role=status). kind: "info" | "ok" | "error".
export function toast(message, kind = "info", detail = "") {
  const box = document.getElementById("toasts");
  const item = el(
    "div",
    { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : null },
    el("span", { text: message }),
    detail ? el("small", { class: "detail", text: detail }) : null,
    el("button", { type: "button", class: "link", "aria-label": "Đóng thông báo", onclick: () => item.remove() }, "×"),
  );
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 12000 : 5000);
}

export function showError(error) {
  toast(error.message ?? String(error), "error", error.reason && error.reason !== error.message ? error.reason : "");
}

// An inline error block for a page or a form (role=alert), with the service's reason as detail.
export function errorBox(error) {
  return el(
    "div",
    { class: "error-box", role: "alert" },
    el("strong", { text: error.message ?? String(error) }),
    error.reason ? el("div", { class: "detail", text: error.reason }) : null,
  );
}

export function loading(text = "Đang tải…") {
  return el("p", { class: "loading", role: "status" }, text);
}

export function formatDate(iso) {
  if (!iso) return "";
  const [year, month, day] = iso.slice(0, 10).split("-");
  return day ? `${day}/${month}/${year}` : iso;
}

export function formatDateTime(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? iso : when.toLocaleString("vi-VN");
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function percent(fraction) {
  return `${Math.round(fraction * 100)}%`;
}

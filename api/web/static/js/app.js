// The application shell: hash router over the page registry (routes.js), the top bar, the log-in state and
// the keyboard shortcuts. Routes look like `#/documents/abc?page=2`.

import { api, ApiError } from "./api.js";
import { ROLE_LABELS } from "./labels.js";
import { DEFAULT_PATH, ROUTES } from "./routes.js";
import { currentPrincipal, hasRole, setPrincipal, signOut, token } from "./session.js";
import { clear, el, errorBox, loading, showError } from "./ui.js";

const main = document.getElementById("main");
let leavePage = null;
let navigation = 0;

export function navigate(path) {
  location.hash = `#${path}`;
}

function parseHash() {
  const raw = location.hash.startsWith("#/") ? location.hash.slice(1) : DEFAULT_PATH;
  const [path, search = ""] = raw.split("?", 2);
  return { path, query: new URLSearchParams(search) };
}

function match(path) {
  const parts = path.split("/").filter(Boolean);
  for (const route of ROUTES) {
    const pattern = route.path.split("/").filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params = {};
    const same = pattern.every((piece, i) => {
      if (piece.startsWith(":")) {
        params[piece.slice(1)] = decodeURIComponent(parts[i]);
        return true;
      }
      return piece === parts[i];
    });
    if (same) return { route, params };
  }
  return null;
}

async function ensurePrincipal() {
  if (!token()) return null;
  if (!currentPrincipal()) setPrincipal(await api.get("/v1/auth/me"));
  return currentPrincipal();
}

function allowed(route) {
  return !route.roles || hasRole(...route.roles);
}

function renderNav(activePath) {
  const nav = clear(document.getElementById("nav"));
  if (!currentPrincipal()) return;
  for (const route of ROUTES.filter((r) => r.nav && allowed(r))) {
    const current = activePath === route.path || activePath.startsWith(route.path + "/");
    nav.append(el("li", {}, el("a", { href: `#${route.path}`, "aria-current": current ? "page" : null }, route.title)));
  }
}

function renderUser() {
  const box = clear(document.getElementById("user"));
  const principal = currentPrincipal();
  if (!principal) return;
  box.append(
    el("span", { class: "user-name", title: principal.subject }, principal.name || principal.subject),
    el("button", { type: "button", class: "secondary small", onclick: logOut }, "Đăng xuất"),
  );
}

function logOut() {
  signOut();
  navigate("/login");
}

async function route() {
  const ticket = ++navigation;
  if (leavePage) {
    leavePage();
    leavePage = null;
  }
  const { path, query } = parseHash();
  const found = match(path);
  if (!found) {
    show(el("section", {}, el("h1", { tabindex: "-1" }, "Không tìm thấy trang"), el("p", {}, el("a", { href: `#${DEFAULT_PATH}` }, "Về trang tìm kiếm"))));
    return;
  }
  const { route: page, params } = found;
  try {
    if (!page.public && !(await ensurePrincipal())) {
      navigate(`/login?next=${encodeURIComponent(path + (query.size ? "?" + query : ""))}`);
      return;
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return; // api.js already went to the log-in page
    show(errorBox(error));
    return;
  }
  renderNav(path);
  renderUser();
  if (!allowed(page)) {
    const roles = page.roles.map((role) => ROLE_LABELS[role] ?? role).join(", ");
    show(el("section", {}, el("h1", { tabindex: "-1" }, page.title),
      errorBox(new ApiError(403, "forbidden", `Trang này dành cho: ${roles}.`))));
    return;
  }
  document.title = `${page.title} — Văn thư số`;
  show(loading());
  try {
    const module = await import(page.module);
    if (ticket !== navigation) return; // the user went elsewhere meanwhile
    clear(main);
    const leave = await module.render(main, { ...params, query });
    if (ticket === navigation) leavePage = typeof leave === "function" ? leave : null;
    else if (typeof leave === "function") leave();
    focusHeading();
  } catch (error) {
    if (ticket !== navigation) return;
    show(errorBox(error));
  }
}

function show(node) {
  clear(main).append(node);
  focusHeading();
}

// After navigation the focus goes to the new page's <h1>, unless the page put it somewhere itself.
function focusHeading() {
  if (main.contains(document.activeElement) && document.activeElement !== main) return;
  const heading = main.querySelector("h1");
  (heading ?? main).focus({ preventScroll: false });
}

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

// `/` search, `Alt+u` upload. Pages add their own (listen on document, check event.defaultPrevented).
function onKey(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey) return;
  if (event.key === "/" && !event.altKey && !typing(event.target)) {
    event.preventDefault();
    const box = document.querySelector("[data-shortcut='search']");
    if (box) box.focus();
    else navigate("/search");
  } else if (event.altKey && event.key === "u" && currentPrincipal()) {
    event.preventDefault();
    navigate("/upload");
  }
}

document.getElementById("skip-link").addEventListener("click", () => focusHeading());
document.addEventListener("keydown", onKey);
window.addEventListener("hashchange", route);
window.addEventListener("unhandledrejection", (event) => {
  if (event.reason instanceof ApiError) {
    event.preventDefault();
    showError(event.reason);
  }
});
route();

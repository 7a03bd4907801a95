// The page registry: one line per page. `path` may have `:name` parts (passed to render as params.name);
// `nav` puts it in the top bar; `roles` (any of) hides it from the nav and guards the route; `public` needs no log-in.
// Each module exports `render(container, params)`; it may return a function called when the page is left.

export const ROUTES = [
  { path: "/login", title: "Đăng nhập", module: "./pages/login.js", public: true },
  { path: "/search", title: "Tìm kiếm", module: "./pages/search.js", nav: true },
  { path: "/documents/:id", title: "Văn bản", module: "./pages/document.js" },
  { path: "/upload", title: "Tải lên", module: "./pages/upload.js", nav: true, roles: ["admin", "records_officer"] },
  { path: "/review", title: "Duyệt", module: "./pages/review.js", nav: true, roles: ["admin", "records_officer"] },
  { path: "/admin", title: "Quản trị", module: "./pages/admin.js", nav: true, roles: ["admin"] },
  { path: "/models", title: "Mô hình", module: "./pages/models.js", nav: true, roles: ["admin", "ml_engineer"] },
];

export const DEFAULT_PATH = "/search";

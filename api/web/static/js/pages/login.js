// Log in: the OAuth2 password form of POST /v1/auth/token; then back to where the user was going.

import { request } from "../api.js";
import { navigate } from "../app.js";
import { setPrincipal, signIn } from "../session.js";
import { el, errorBox } from "../ui.js";

export function render(container, { query }) {
  const next = query.get("next") || "/search";
  const problem = el("div", { class: "form-problem" });
  const username = el("input", { id: "login-username", name: "username", autocomplete: "username", required: true });
  const password = el("input", {
    id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true,
  });
  const submit = el("button", { type: "submit", class: "primary" }, "Đăng nhập");
  const form = el(
    "form",
    { class: "card login", "aria-labelledby": "login-title" },
    el("h1", { id: "login-title", tabindex: "-1" }, "Đăng nhập"),
    el("p", { class: "muted" }, "Hệ thống quản lý văn bản — dành cho cán bộ."),
    el("label", { for: "login-username" }, "Tên đăng nhập"),
    username,
    el("label", { for: "login-password" }, "Mật khẩu"),
    password,
    problem,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    problem.replaceChildren();
    try {
      const body = new URLSearchParams({ username: username.value.trim(), password: password.value });
      const issued = await request("POST", "/v1/auth/token", { form: body, redirectOn401: false });
      signIn(issued.access_token);
      setPrincipal(await request("GET", "/v1/auth/me"));
      navigate(next);
    } catch (error) {
      if (error.status === 401) error.message = "Tên đăng nhập hoặc mật khẩu không đúng.";
      problem.replaceChildren(errorBox(error));
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  container.append(el("div", { class: "login-wrap" }, form));
  username.focus();
}

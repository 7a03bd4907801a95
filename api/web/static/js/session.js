// Who is logged in: the bearer token (sessionStorage, gone when the tab closes) and the principal from /v1/auth/me.

const TOKEN_KEY = "vanthu.token";
let principal = null;

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function signIn(accessToken) {
  sessionStorage.setItem(TOKEN_KEY, accessToken);
  principal = null;
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  principal = null;
}

export function currentPrincipal() {
  return principal;
}

export function setPrincipal(value) {
  principal = value;
}

export function hasRole(...roles) {
  return Boolean(principal) && roles.some((role) => principal.roles.includes(role));
}

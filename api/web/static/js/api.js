// The one way pages talk to the service: JSON over fetch with the bearer token; errors become ApiError with a
// Vietnamese message; a 401 sends the user back to the log-in page.

import { signOut, token } from "./session.js";

const MESSAGES = {
  not_authenticated: "Chưa đăng nhập hoặc phiên làm việc đã hết hạn.",
  invalid_credentials: "Tên đăng nhập hoặc mật khẩu không đúng.",
  forbidden: "Bạn không có quyền thực hiện thao tác này.",
  not_found: "Không tìm thấy.",
  invalid_request: "Dữ liệu gửi lên không hợp lệ.",
  invalid_correction: "Giá trị sửa không hợp lệ.",
  not_extracted: "Văn bản chưa được trích xuất xong.",
  conflict: "Xung đột: dữ liệu đã bị người khác thay đổi.",
  already_decided: "Mục này đã được quyết định trước đó.",
  promotion_refused: "Không được nâng cấp mô hình: mô hình mới kém hơn.",
  nothing_to_export: "Không có dữ liệu để xuất.",
  search_unavailable: "Chức năng tìm kiếm tạm thời không dùng được.",
  database_unavailable: "Cơ sở dữ liệu tạm thời không truy cập được.",
  empty_file: "Tệp rỗng.",
  unsupported_format: "Định dạng tệp không được hỗ trợ (chỉ PDF, TIFF, PNG, JPEG).",
  unsupported_media_type: "Kiểu dữ liệu gửi lên không được hỗ trợ.",
  corrupt_file: "Tệp bị hỏng hoặc không đọc được.",
  encrypted_file: "Tệp PDF được mã hoá, không đọc được.",
  too_large: "Tệp quá lớn.",
  missing_file: "Chưa chọn tệp.",
  bad_multipart: "Dữ liệu tải lên bị lỗi.",
  bad_input: "Tệp không hợp lệ.",
  too_many_requests: "Quá nhiều yêu cầu, vui lòng thử lại sau.",
  already_stored: "Tệp này đã được lưu trong kho, thuộc đơn vị hoặc độ mật bạn không được xem.",
  invalid_access: "Thuộc tính truy cập không hợp lệ (đơn vị hoặc độ mật vượt quyền của bạn).",
  no_page_images: "Bản ghi này được nhập từ hệ thống khác, không có ảnh trang.",
  internal_error: "Lỗi máy chủ. Vui lòng báo quản trị viên.",
  network_error: "Không kết nối được máy chủ.",
};

export class ApiError extends Error {
  constructor(status, code, reason) {
    super(MESSAGES[code] ?? `Lỗi ${status}: yêu cầu không thực hiện được.`);
    this.status = status;
    this.code = code;
    this.reason = reason; // the service's own explanation (English), shown as detail
  }
}

function authHeaders() {
  const bearer = token();
  return bearer ? { Authorization: `Bearer ${bearer}` } : {};
}

export function url(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null && item !== "") params.append(key, item);
    }
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

function backToLogin() {
  signOut();
  const here = location.hash.startsWith("#/login") ? "" : location.hash.slice(1);
  location.hash = here ? `#/login?next=${encodeURIComponent(here)}` : "#/login";
}

async function errorFrom(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's page): the status says enough
  }
  return new ApiError(response.status, body.error ?? "http_" + response.status, body.reason ?? response.statusText);
}

// options: query (object), json (body), form (URLSearchParams or FormData), raw (true: return the Response),
// redirectOn401 (default true).
export async function request(method, path, options = {}) {
  const { query, json, form, raw = false, redirectOn401 = true } = options;
  const headers = { Accept: "application/json", ...authHeaders() };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  let response;
  try {
    response = await fetch(url(path, query), { method, headers, body });
  } catch (error) {
    throw new ApiError(0, "network_error", String(error));
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && redirectOn401) backToLogin();
    throw error;
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

export const api = {
  get: (path, query) => request("GET", path, { query }),
  post: (path, json) => request("POST", path, { json }),
  put: (path, json) => request("PUT", path, { json }),
  patch: (path, json) => request("PATCH", path, { json }),
  delete: (path) => request("DELETE", path),
};

// An authenticated image or file as an object URL (an <img src> cannot carry the bearer token).
// The caller revokes it with URL.revokeObjectURL when done.
export async function blobUrl(path, query) {
  const response = await request("GET", path, { query, raw: true });
  return URL.createObjectURL(await response.blob());
}

// Multipart upload with progress: onProgress(fraction 0..1). Resolves to {status, body}; rejects with ApiError.
export function upload(path, file, { fields = {}, onProgress = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const data = new FormData();
    data.append("file", file, file.name);
    for (const [key, value] of Object.entries(fields)) data.append(key, value);
    xhr.open("POST", path);
    for (const [key, value] of Object.entries(authHeaders())) xhr.setRequestHeader(key, value);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // empty or not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve({ status: xhr.status, body });
        return;
      }
      if (xhr.status === 401) backToLogin();
      reject(new ApiError(xhr.status, body.error ?? "http_" + xhr.status, body.reason ?? xhr.statusText));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "network_error", "upload failed")));
    xhr.send(data);
  });
}

// Vietnamese names of the record's fields and of the codes the service returns.

export const FIELD_LABELS = {
  type_name: "Loại văn bản",
  number: "Số, ký hiệu",
  code_number: "Số",
  code_notation: "Ký hiệu",
  issued_date: "Ngày ban hành",
  organ_name: "Cơ quan ban hành",
  parent_organ_name: "Cơ quan chủ quản",
  place: "Địa danh",
  subject: "Trích yếu",
  signer_position: "Chức vụ người ký",
  signer_name: "Người ký",
  recipients: "Nơi nhận",
  urgency: "Độ khẩn",
  confidentiality: "Độ mật",
  block: "Khối",
};

export const FIELD_ORDER = Object.keys(FIELD_LABELS);

// Fields whose value is one of a closed list (the service checks them too).
export const FIELD_CHOICES = {
  urgency: ["HỎA TỐC", "THƯỢNG KHẨN", "KHẨN"],
  confidentiality: ["TUYỆT MẬT", "TỐI MẬT", "MẬT"],
  block: ["party", "government", "mass_org"],
};

export const BLOCK_LABELS = { party: "Khối Đảng", government: "Khối Nhà nước", mass_org: "Đoàn thể, tổ chức" };

export const STATUS_LABELS = { queued: "Đang chờ", processing: "Đang xử lý", done: "Hoàn tất", failed: "Lỗi" };

export const SECRECY_LABELS = ["Thường", "Mật", "Tối mật", "Tuyệt mật"];

export const ACCESS_MODE_LABELS = { public: "Công khai", conditional: "Sử dụng có điều kiện", restricted: "Hạn chế" };

export const ROLE_LABELS = {
  admin: "Quản trị hệ thống",
  records_officer: "Văn thư",
  staff_reader: "Cán bộ tra cứu",
  ml_engineer: "Kỹ sư mô hình",
  pipeline: "Hệ thống tích hợp",
};

export const FLAG_LABELS = {
  blank_page: "Trang trắng",
  blurred: "Ảnh mờ",
  skewed: "Ảnh nghiêng",
  low_dpi: "Độ phân giải thấp",
  cropped_margin: "Mất lề, chữ bị cắt",
  low_ocr_confidence: "Nhận dạng chữ kém tin cậy",
  page_gap: "Có thể thiếu trang",
  missing_field: "Thiếu trường bắt buộc",
  illegible_field: "Trường khó đọc",
};

// Search facets and filters (the names of SearchFilters / facets in the search response).
export const FILTER_LABELS = {
  type_name: "Loại",
  issuer: "Cơ quan",
  year: "Năm",
  date_from: "Từ ngày",
  date_to: "Đến ngày",
  block: "Khối",
  number: "Số",
};

export function fieldLabel(name) {
  return FIELD_LABELS[name] ?? name;
}

// A field value as people read it: dates dd/mm/yyyy, blocks by name, lists joined.
export function displayValue(name, value) {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return "";
  if (name === "block") return BLOCK_LABELS[value] ?? value;
  if (name === "issued_date" || name === "date_from" || name === "date_to") {
    const [year, month, day] = String(value).split("-");
    return `${day}/${month}/${year}`;
  }
  return Array.isArray(value) ? value.join("; ") : String(value);
}

// Models: each model's versions with their card metrics as a chart (SVG drawn here), retraining with a live
// progress bar, promotion through the gate (its decision and figures shown) and rollback.

import { api, ApiError } from "../api.js";
import { el, clear, errorBox, formatDateTime, loading, pageHeading, showError, toast } from "../ui.js";

const POLL_MS = 1500;
const ACTIVE_RUN = new Set(["queued", "running"]);
const RUN_STATUS = { queued: "Đang chờ", running: "Đang chạy", succeeded: "Hoàn tất", failed: "Lỗi", cancelled: "Đã huỷ" };
const PHASES = { start: "khởi động", train: "huấn luyện", evaluate: "đánh giá và xuất mô hình" };
const ACTIONS = { promote: "Nâng cấp", rollback: "Quay lại", refused: "Bị cổng từ chối" };
const SVG = "http://www.w3.org/2000/svg";

// view: the page's state shared by its parts — polling timers, whether the page was left, reload(), and the
// last gate decision per model (shown again after the reload a promotion causes).
export function render(container) {
  const body = el("div", { class: "models" }, loading());
  const view = { timers: new Set(), left: false, gates: {} };
  view.reload = () => loadModels(body, view).catch((error) => clear(body).append(errorBox(error)));
  container.append(pageHeading("Mô hình"), body);
  view.reload();
  return () => {
    view.left = true;
    for (const timer of view.timers) clearTimeout(timer);
  };
}

async function loadModels(body, view) {
  const { models } = await api.get("/v1/models");
  const sections = await Promise.all(models.map((model) => modelSection(model, view)));
  clear(body).append(...sections);
}

async function modelSection(model, view) {
  const metrics = await api.get(`/v1/models/${encodeURIComponent(model.name)}/metrics`);
  const gatePanel = el("div", { class: "gate-panel", "aria-live": "polite" });
  const headingId = `model-${model.name}`;
  const section = el("section", { class: "card model-card", "aria-labelledby": headingId },
    el("h2", { id: headingId }, `${model.name}`, " ",
      el("span", { class: "badge ok" }, `đang dùng: ${model.active ?? "—"}`)),
    versionsTable(model, gatePanel, view),
    gatePanel,
    metricsChart(model, metrics),
    historyList(model),
  );
  if (view.gates[model.name]) showGate(gatePanel, view.gates[model.name], null);
  if (metrics.trainable) section.append(await trainingPanel(model, view));
  return section;
}

// --- versions, promotion, rollback ----------------------------------------------------------------

function versionsTable(model, gatePanel, view) {
  const rows = model.versions.map((version) => {
    const active = version.version === model.active;
    const cell = el("td", {});
    if (!active) {
      const promote = el("button", { type: "button", class: "small", "aria-label": `Nâng cấp ${model.name} lên ${version.version}` }, "Nâng cấp");
      promote.addEventListener("click", () => promoteVersion(model, version.version, false, promote, gatePanel, view));
      cell.append(promote);
    }
    return el("tr", { "data-version": version.version },
      el("th", { scope: "row" }, version.version),
      el("td", {}, version.source === "committed" ? "Có sẵn" : "Huấn luyện tại đây"),
      el("td", {}, version.date ? formatDateTime(version.date) : "—"),
      el("td", {}, active ? el("span", { class: "badge ok" }, "Đang dùng") : el("span", { class: "badge" }, "Ứng viên")),
      cell);
  });
  const rollback = el("button", { type: "button", class: "secondary", "aria-label": `Quay lại phiên bản trước của ${model.name}` },
    "Quay lại phiên bản trước");
  rollback.disabled = !model.history.some((event) => event.action === "promote");
  rollback.addEventListener("click", async () => {
    rollback.disabled = true;
    try {
      const event = await api.post(`/v1/models/${encodeURIComponent(model.name)}/rollback`);
      toast(`Đã quay lại ${event.version} (từ ${event.previous_version}).`, "ok");
      delete view.gates[model.name];
      view.reload();
    } catch (error) {
      showError(error);
      rollback.disabled = false;
    }
  });
  return el("div", {},
    el("div", { class: "table-scroll" }, el("table", { class: "data" },
      el("caption", { class: "sr-only" }, `Các phiên bản của ${model.name}`),
      el("thead", {}, el("tr", {}, ["Phiên bản", "Nguồn", "Ngày", "Trạng thái", "Thao tác"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows))),
    el("div", { class: "button-row" }, rollback));
}

async function promoteVersion(model, version, force, button, gatePanel, view) {
  button.disabled = true;
  clear(gatePanel).append(loading(`Cổng kiểm định đang chấm ${version} trên tập đánh giá cố định…`));
  const path = `/v1/models/${encodeURIComponent(model.name)}`;
  try {
    const event = await api.post(`${path}/promote`, { version, force });
    toast(`Đã nâng cấp ${model.name} lên ${version}.`, "ok");
    view.gates[model.name] = event;
    view.reload();
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "promotion_refused") {
      clear(gatePanel).append(errorBox(error));
      button.disabled = false;
      return;
    }
    const status = await api.get("/v1/models");
    const refused = status.models.find((m) => m.name === model.name).history.at(-1);
    const forceButton = el("button", { type: "button", class: "secondary" }, `Vẫn nâng cấp ${version} (ghi nhận là bỏ qua cổng)`);
    forceButton.addEventListener("click", () => promoteVersion(model, version, true, forceButton, gatePanel, view));
    showGate(gatePanel, refused, forceButton);
    button.disabled = false;
  }
}

function showGate(panel, event, forceButton) {
  const gate = event.gate;
  const passed = event.action === "promote";
  const title = passed ? (event.forced ? "Đã nâng cấp, bỏ qua cổng kiểm định" : "Cổng kiểm định: ĐẠT")
    : "Cổng kiểm định: KHÔNG ĐẠT — mô hình mới kém hơn vượt mức nhiễu";
  clear(panel).append(el("div", { class: `gate-result ${passed ? "passed" : "refused"}`, role: passed ? "status" : "alert" },
    el("h3", {}, title),
    gate ? gateFigures(gate) : el("p", { class: "muted" }, "Mô hình này không có tập đánh giá cố định."),
    forceButton ? el("div", { class: "button-row" }, forceButton) : null));
}

function accuracy(fraction) {
  return `${(fraction * 100).toFixed(1)}%`;
}

function gateFigures(gate) {
  const [low, high] = gate.difference_ci;
  const signed = (x) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} điểm %`;
  return el("dl", { class: "gate-figures" },
    el("dt", {}, "Tập đánh giá"), el("dd", {}, `${gate.evaluation} (${gate.n} mẫu)`),
    el("dt", {}, "Độ chính xác hiện tại → ứng viên"), el("dd", {}, `${accuracy(gate.current_accuracy)} → ${accuracy(gate.candidate_accuracy)}`),
    el("dt", {}, "Chỉ bản hiện tại đúng / chỉ ứng viên đúng"), el("dd", {}, `${gate.current_only} / ${gate.candidate_only}`),
    el("dt", {}, "p (McNemar một phía)"), el("dd", {}, `${gate.p_value} (ngưỡng ${gate.alpha})`),
    el("dt", {}, "Khoảng tin cậy 95% của chênh lệch"), el("dd", {}, `[${signed(low)}, ${signed(high)}]`),
    el("dt", {}, "Kết luận"), el("dd", {}, gate.reason));
}

function historyList(model) {
  if (!model.history.length) return el("p", { class: "muted" }, "Chưa có quyết định nào: đang dùng phiên bản mặc định.");
  const items = model.history.slice(-5).reverse().map((event) => el("li", {},
    `${formatDateTime(event.created_at)} — ${ACTIONS[event.action] ?? event.action} ${event.previous_version ?? "—"} → ${event.version}`,
    event.forced ? " (bỏ qua cổng)" : "",
    event.gate ? ` — cổng: ${accuracy(event.gate.current_accuracy)} → ${accuracy(event.gate.candidate_accuracy)}, p = ${event.gate.p_value}` : "",
    ` — ${event.decided_by}`));
  return el("details", { class: "model-history" }, el("summary", {}, "Lịch sử quyết định"), el("ul", {}, items));
}

// --- metrics chart -------------------------------------------------------------------------------

function metricsChart(model, metrics) {
  if (!metrics.metrics.length) return el("p", { class: "muted" }, "Thẻ mô hình không có chỉ số để vẽ biểu đồ.");
  const id = `metric-${model.name}`;
  const preferred = metrics.metrics.find((name) => name.endsWith("exact_match")) ?? metrics.metrics[0];
  const select = el("select", { id }, metrics.metrics.map((name) => el("option", { value: name, selected: name === preferred }, name)));
  const figure = el("figure", { class: "metric-chart" });
  const draw = () => clear(figure).append(barChart(metrics.versions, select.value, model.active),
    el("figcaption", { class: "muted" }, `${select.value} theo phiên bản, từ thẻ mô hình (cột đậm: phiên bản đang dùng). `
      + "Các thẻ có thể được đo trên số mẫu khác nhau; so sánh công bằng là cổng kiểm định trên tập cố định."));
  select.addEventListener("change", draw);
  draw();
  return el("div", { class: "metrics" }, el("label", { for: id }, "Chỉ số"), select, figure);
}

function svg(tag, attributes = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

// Vertical bars, one per version having the metric; values are in 0..1.
function barChart(versions, metric, active) {
  const points = versions.filter((v) => metric in v.values).map((v) => ({ version: v.version, value: v.values[metric] }));
  const width = Math.max(320, 90 * points.length + 60);
  const height = 220;
  const top = 16;
  const bottom = 28;
  const left = 44;
  const plot = height - top - bottom;
  const slot = (width - left - 10) / Math.max(points.length, 1);
  const summary = points.map((p) => `${p.version}: ${p.value.toFixed(3)}`).join(", ");
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": `${metric}: ${summary}`, class: "chart" });
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const y = top + plot * (1 - tick);
    chart.append(svg("line", { x1: left, x2: width - 10, y1: y, y2: y, class: "grid" }),
      svg("text", { x: left - 6, y: y + 4, class: "tick", "text-anchor": "end" }, tick.toFixed(2)));
  }
  points.forEach((point, index) => {
    const barHeight = plot * point.value;
    const x = left + slot * index + slot * 0.2;
    const bar = svg("rect", { x, y: top + plot - barHeight, width: slot * 0.6, height: Math.max(barHeight, 1),
      class: point.version === active ? "bar active" : "bar" });
    bar.append(svg("title", {}, `${point.version}: ${point.value}`));
    chart.append(bar,
      svg("text", { x: x + slot * 0.3, y: top + plot - barHeight - 4, class: "value", "text-anchor": "middle" }, point.value.toFixed(3)),
      svg("text", { x: x + slot * 0.3, y: height - 8, class: "label", "text-anchor": "middle" }, point.version));
  });
  return chart;
}

// --- retraining ----------------------------------------------------------------------------------

async function trainingPanel(model, view) {
  const runs = await api.get("/v1/training-runs", { model: model.name, limit: 5 });
  const configId = `train-config-${model.name}`;
  const stepsId = `train-steps-${model.name}`;
  const config = el("select", { id: configId },
    el("option", { value: "quick" }, "Nhanh (tinh chỉnh vài phút)"),
    el("option", { value: "full" }, "Đầy đủ (tham số của quy trình DVC)"));
  const steps = el("input", { id: stepsId, type: "number", min: "1", inputmode: "numeric", placeholder: "mặc định" });
  const start = el("button", { type: "submit", class: "primary" }, "Bắt đầu huấn luyện lại");
  const progress = el("div", { class: "run-progress" });
  const form = el("form", { class: "train-form", "aria-label": `Huấn luyện lại ${model.name}` },
    el("div", { class: "form-grid" },
      el("div", {}, el("label", { for: configId }, "Cấu hình"), config),
      el("div", {}, el("label", { for: stepsId }, "Số bước (không bắt buộc)"), steps)),
    el("div", { class: "button-row" }, start));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    start.disabled = true;
    try {
      const run = await api.post(`/v1/models/${encodeURIComponent(model.name)}/train`, {
        config: config.value, steps: steps.value ? Number(steps.value) : null,
      });
      follow(run, progress, start, view);
    } catch (error) {
      showError(error);
      start.disabled = false;
    }
  });
  const latest = runs[0];
  if (latest) follow(latest, progress, start, view);
  return el("div", { class: "training" }, el("h3", {}, "Huấn luyện lại"), form, progress, recentRuns(runs));
}

function recentRuns(runs) {
  if (!runs.length) return null;
  return el("details", { class: "recent-runs" }, el("summary", {}, "Các lần huấn luyện gần đây"),
    el("ul", {}, runs.map((run) => el("li", {},
      `${formatDateTime(run.created_at)} — ${RUN_STATUS[run.status] ?? run.status}`,
      run.version ? ` → ${run.version}` : "", run.reason ? ` — ${run.reason}` : "", ` — ${run.started_by}`))));
}

// Show one run's progress and poll it while it is queued or running.
function follow(run, box, start, view) {
  const bar = el("progress", { max: String(run.total || 1), value: String(run.step), "aria-label": "Tiến độ huấn luyện" });
  const text = el("p", { role: "status", "aria-live": "polite" });
  const log = el("pre", { class: "run-log", tabindex: "0", "aria-label": "Nhật ký huấn luyện" });
  const cancel = el("button", { type: "button", class: "secondary" }, "Huỷ huấn luyện");
  cancel.addEventListener("click", async () => {
    cancel.disabled = true;
    try {
      await api.post(`/v1/training-runs/${encodeURIComponent(run.id)}/cancel`);
    } catch (error) {
      showError(error);
    }
  });
  clear(box).append(el("div", { class: "card run", "data-run": run.id }, bar, text,
    el("div", { class: "button-row" }, cancel), el("details", {}, el("summary", {}, "Nhật ký"), log)));
  const update = (current) => {
    bar.max = current.total || 1;
    bar.value = current.step;
    const loss = current.loss === null ? "" : ` — loss ${current.loss.toFixed(4)}`;
    const phase = current.phase ? ` — ${PHASES[current.phase] ?? current.phase}` : "";
    text.textContent = `${RUN_STATUS[current.status] ?? current.status}: bước ${current.step}/${current.total ?? "?"}${loss}${phase}`;
    if (current.status === "succeeded") text.textContent += ` — phiên bản mới ${current.version} (ứng viên, chưa nâng cấp)`;
    if (current.reason) text.textContent += ` — ${current.reason}`;
    log.textContent = current.log_tail;
    const active = ACTIVE_RUN.has(current.status);
    cancel.hidden = !active;
    start.disabled = active;
    return active;
  };
  const poll = async (wasActive) => {
    if (view.left) return;
    try {
      const current = await api.get(`/v1/training-runs/${encodeURIComponent(run.id)}`);
      if (update(current)) {
        view.timers.add(setTimeout(() => poll(true), POLL_MS));
      } else if (wasActive) {
        toast(current.status === "succeeded" ? `Huấn luyện xong: ${current.version}.` : `Huấn luyện kết thúc: ${RUN_STATUS[current.status]}.`,
          current.status === "succeeded" ? "ok" : "error");
        view.reload();
      }
    } catch (error) {
      showError(error);
    }
  };
  if (update(run)) poll(true);
}

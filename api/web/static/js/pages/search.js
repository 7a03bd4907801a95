// Search: one box for natural questions (GET /v1/search), facets as filters, the filters the question was read as
// as removable chips, results with highlighted snippets. The state lives in the address (#/search?q=...&type=...).

import { api } from "../api.js";
import { navigate } from "../app.js";
import { BLOCK_LABELS, FILTER_LABELS, displayValue } from "../labels.js";
import { clear, el, errorBox, loading, pageHeading } from "../ui.js";

// Facet name in the response -> the query parameter that applies it as a filter.
const FACET_PARAMS = { type_name: "type", issuer: "issuer", year: "year", block: "block" };
const FILTER_PARAMS = ["type", "issuer", "year", "block"];
const UNKNOWN = "?";
const FACETS_SHOWN = 8;
const PAGE_SIZE = 20;
const MAX_K = 100; // the service's limit

export function render(container, { query }) {
  const text = query.get("q") ?? "";
  const box = el("input", {
    id: "search-q", type: "search", name: "q", value: text, "data-shortcut": "search", autocomplete: "off",
    placeholder: "Ví dụ: nghị định về hợp đồng lao động điện tử năm 2020", "aria-describedby": "search-hint",
  });
  const form = el(
    "form",
    { class: "search-form", role: "search", "aria-label": "Tìm văn bản" },
    el("label", { for: "search-q", class: "sr-only" }, "Câu hỏi hoặc từ khóa"),
    box,
    el("button", { type: "submit", class: "primary" }, "Tìm"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams(query);
    next.set("q", box.value.trim());
    next.delete("ignore"); // a new question is read afresh
    next.delete("k");
    go(next);
  });
  const results = el("div", { class: "search-results" });
  container.append(
    pageHeading("Tìm kiếm văn bản"),
    form,
    el("p", { id: "search-hint", class: "muted small-print" },
      "Gõ câu hỏi tự nhiên, có dấu hoặc không dấu. Nhấn ", el("kbd", {}, "/"), " để về ô tìm kiếm."),
    results,
  );
  if (!text) {
    box.focus();
    return;
  }
  return runSearch(results, query);
}

// The readings of the question the user removed (chips), kept in the address as `ignore=year,type_name`.
function ignoredReadings(query) {
  return (query.get("ignore") ?? "").split(",").filter(Boolean);
}

function shownCount(query) {
  return Math.min(Number(query.get("k")) || PAGE_SIZE, MAX_K);
}

function go(params) {
  navigate(`/search?${params}`);
}

async function runSearch(results, query) {
  results.append(loading("Đang tìm…"));
  const request = { q: query.get("q"), k: shownCount(query), ignore: ignoredReadings(query) };
  for (const name of FILTER_PARAMS) request[name] = query.get(name);
  try {
    const response = await api.get("/v1/search", request);
    clear(results).append(...renderResponse(response, query));
  } catch (error) {
    clear(results).append(errorBox(error));
  }
}

function renderResponse(response, query) {
  const summary = response.no_answer
    ? el("div", { class: "notice", role: "status" },
      el("strong", {}, "Không tìm thấy văn bản phù hợp."), response.reason ? el("span", { class: "detail" }, response.reason) : null)
    : el("p", { class: "muted", role: "status" }, `${response.total} văn bản khớp; hiển thị ${response.hits.length} văn bản đầu.`);
  return [
    el("div", { class: "search-layout" },
      el("aside", { class: "facets", "aria-label": "Lọc theo" }, renderFacets(response.facets, query)),
      el("section", { class: "hits", "aria-label": "Kết quả" },
        renderChips(response, query),
        renderCorrections(response.corrections),
        summary,
        el("ol", { class: "hit-list" }, response.hits.map(renderHit)),
        renderMore(response, query),
      ),
    ),
  ];
}

// Chips: the filters the question was read as (× ignores that reading) and the filters applied (× removes it).
function renderChips(response, query) {
  const readAs = Object.entries(response.read_as).filter(([, value]) => value !== null);
  const applied = FILTER_PARAMS.filter((name) => query.get(name));
  const ignored = ignoredReadings(query);
  if (!readAs.length && !applied.length && !ignored.length) return null;
  const readChips = readAs.map(([name, value]) =>
    chip(`${FILTER_LABELS[name]}: ${displayValue(name, value)}`, "Bỏ cách hiểu này", () => {
      const next = new URLSearchParams(query);
      next.set("ignore", [...ignored, name].join(","));
      go(next);
    }, "read-as"));
  const appliedChips = applied.map((param) => {
    const facet = Object.keys(FACET_PARAMS).find((key) => FACET_PARAMS[key] === param);
    return chip(`${FILTER_LABELS[facet]}: ${displayValue(facet, query.get(param))}`, "Bỏ bộ lọc này", () => {
      const next = new URLSearchParams(query);
      next.delete(param);
      go(next);
    }, "applied");
  });
  const restore = ignored.length
    ? el("button", { type: "button", class: "link", onclick: () => {
      const next = new URLSearchParams(query);
      next.delete("ignore");
      go(next);
    } }, "Khôi phục cách hiểu câu hỏi")
    : null;
  return el("div", { class: "chips" },
    readChips.length ? el("div", { class: "chip-row" }, el("span", { class: "chip-title" }, "Câu hỏi được hiểu là:"),
      el("ul", { class: "chip-list", "aria-label": "Cách hiểu câu hỏi" }, readChips)) : null,
    appliedChips.length ? el("div", { class: "chip-row" }, el("span", { class: "chip-title" }, "Đang lọc:"),
      el("ul", { class: "chip-list", "aria-label": "Bộ lọc đang áp dụng" }, appliedChips)) : null,
    restore,
  );
}

function chip(text, removeLabel, onRemove, kind) {
  return el("li", { class: `chip chip-${kind}` },
    el("span", {}, text),
    el("button", { type: "button", class: "chip-remove", "aria-label": `${removeLabel}: ${text}`, title: removeLabel, onclick: onRemove }, "×"));
}

function renderMore(response, query) {
  const shown = shownCount(query);
  if (response.no_answer || response.total <= response.hits.length || shown >= MAX_K) return null;
  return el("button", { type: "button", class: "more", onclick: () => {
    const next = new URLSearchParams(query);
    next.set("k", String(Math.min(shown + PAGE_SIZE, MAX_K)));
    go(next);
  } }, "Hiện thêm kết quả");
}

function renderCorrections(corrections) {
  const pairs = Object.entries(corrections ?? {});
  if (!pairs.length) return null;
  return el("p", { class: "muted" }, "Đã tìm ", pairs.map(([typed, used], i) => [
    i ? ", " : "", el("strong", {}, used), ` thay cho “${typed}”`,
  ]), ".");
}

function renderFacets(facets, query) {
  const groups = Object.entries(FACET_PARAMS)
    .filter(([name]) => facets[name] && Object.keys(facets[name]).length)
    .map(([name, param]) => {
      const values = Object.entries(facets[name]).filter(([value]) => value !== UNKNOWN).slice(0, FACETS_SHOWN);
      if (!values.length) return null;
      return el("div", { class: "facet", role: "group", "aria-labelledby": `facet-${name}` },
        el("h2", { id: `facet-${name}` }, FILTER_LABELS[name]),
        el("ul", {}, values.map(([value, count]) => {
          const active = query.get(param) === value;
          return el("li", {}, el("button", {
            type: "button", class: "facet-value", "aria-pressed": active ? "true" : "false",
            onclick: () => {
              const next = new URLSearchParams(query);
              if (active) next.delete(param);
              else next.set(param, value);
              go(next);
            },
          }, el("span", {}, name === "block" ? BLOCK_LABELS[value] ?? value : value), el("span", { class: "count" }, String(count))));
        })));
    });
  return [el("h2", { class: "sr-only" }, "Bộ lọc"), ...groups];
}

function renderHit(hit) {
  const fields = hit.fields;
  const title = [fields.type_name, fields.number].filter(Boolean).join(" số ") || hit.external_id || "Văn bản";
  const meta = [fields.organ_name, displayValue("issued_date", fields.issued_date), fields.block ? BLOCK_LABELS[fields.block] : null]
    .filter(Boolean).join(" · ");
  return el("li", { class: "hit" },
    el("h3", {}, el("a", { href: `#/documents/${encodeURIComponent(hit.id)}?page=${hit.page}` }, title)),
    fields.subject ? el("p", { class: "hit-subject" }, fields.subject) : null,
    meta ? el("p", { class: "muted hit-meta" }, meta) : null,
    el("p", { class: "snippet" }, highlighted(hit.snippet), el("span", { class: "muted" }, ` — trang ${hit.page}`)),
  );
}

// The snippet marks query words with <mark>…</mark>; everything else is text (never parsed as HTML).
function highlighted(snippet) {
  return snippet.split(/(<mark>.*?<\/mark>)/).filter(Boolean).map((part) =>
    part.startsWith("<mark>") ? el("mark", {}, part.slice(6, -7)) : part);
}

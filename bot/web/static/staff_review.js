// Staff console: the review queue (unanswered, low-confidence and 没用-rated questions).
// Filter, export (CSV), mark handled, link to an answer point or clause, download the patch.
(function () {
  "use strict";

  var ui = window.StaffUI;
  var el = ui.el, clear = ui.clear, getJSON = ui.getJSON;
  function $(id) { return document.getElementById(id); }

  var FIELDS = ["kind", "status", "from", "to", "q"];

  function filterParams() {
    var params = new URLSearchParams();
    FIELDS.forEach(function (name) {
      var v = $("rv-" + name).value.trim();
      if (v) params.set(name, v);
    });
    return params;
  }

  function post(body) {
    return getJSON("/staff/api/review/decision", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    });
  }

  function load() {
    var status = $("review-status"), table = $("review-table"), tbody = table.querySelector("tbody");
    var params = filterParams();
    $("rv-csv").href = "/staff/api/review.csv" + (params.toString() ? "?" + params.toString() : "");
    status.textContent = "正在读取对话记录…";
    getJSON("/staff/api/review?" + params.toString()).then(function (data) {
      clear(tbody);
      var items = data.items || [];
      table.hidden = !items.length;
      status.textContent = items.length ? "共 " + data.total + " 次提问，合并为 " + data.groups + " 个问题。" : (data.message || "暂无数据。");
      items.forEach(function (it) { tbody.appendChild(row(it)); });
    }).catch(function (err) { status.textContent = err.message; });
  }

  function cell(tr, label, className, text) {
    var td = el("td", className, text);
    td.setAttribute("data-label", label);
    tr.appendChild(td);
    return td;
  }

  function row(it) {
    var tr = el("tr", "review-row status-" + it.status);
    tr.setAttribute("data-key", it.key);
    cell(tr, "问题", "q-text", it.text);
    cell(tr, "次数", "num", it.count);
    var kinds = cell(tr, "类型", "kinds");
    (it.kind_labels || []).forEach(function (k, i) { kinds.appendChild(el("span", "kind kind-" + it.kinds[i], k)); });
    if (it.reasons && it.reasons.length) kinds.appendChild(el("div", "muted small", it.reasons.join("、")));
    cell(tr, "最近一次", "nowrap", it.last_seen ? it.last_seen.replace("T", " ") : "");
    var st = cell(tr, "状态", "review-state", it.status_label);
    if (it.status === "linked") st.appendChild(el("div", "small link-target", "→ " + (it.point || it.clause)));
    var act = cell(tr, "处理", "review-actions");
    var handled = el("button", "mark-handled", it.status === "handled" ? "改回待处理" : "标记已处理");
    handled.type = "button";
    handled.addEventListener("click", function () {
      post({ text: it.text, status: it.status === "handled" ? "open" : "handled" }).then(load, function (err) { $("review-status").textContent = err.message; });
    });
    var link = el("button", "open-link", it.status === "linked" ? "改为关联其他" : "关联答复…");
    link.type = "button";
    link.setAttribute("aria-expanded", "false");
    link.addEventListener("click", function () { toggleLinkForm(tr, it, link); });
    act.appendChild(handled);
    act.appendChild(link);
    return tr;
  }

  function toggleLinkForm(tr, it, opener) {
    var next = tr.nextElementSibling;
    if (next && next.classList.contains("link-row")) {
      next.parentNode.removeChild(next);
      opener.setAttribute("aria-expanded", "false");
      return;
    }
    opener.setAttribute("aria-expanded", "true");
    var formRow = el("tr", "link-row");
    var td = el("td");
    td.colSpan = 6;
    var form = el("form", "link-form");
    var uid = "lk-" + Math.random().toString(36).slice(2, 8);
    var lp = el("label", null, "答复要点（最接近的在前）");
    lp.setAttribute("for", uid + "-point");
    var select = el("select", "link-point");
    select.id = uid + "-point";
    select.appendChild(el("option", null, "正在加载…"));
    var lc = el("label", null, "或条款编号");
    lc.setAttribute("for", uid + "-clause");
    var clause = el("input", "link-clause");
    clause.id = uid + "-clause";
    clause.placeholder = "如 bt-2024:四/（六）";
    clause.maxLength = 200;
    var save = el("button", "primary save-link", "保存关联");
    save.type = "submit";
    var msg = el("p", "muted small");
    msg.setAttribute("role", "status");
    var preview = el("p", "point-preview small");
    [lp, select, lc, clause, preview, save, msg].forEach(function (n) { form.appendChild(n); });
    td.appendChild(form);
    formRow.appendChild(td);
    tr.parentNode.insertBefore(formRow, tr.nextSibling);
    var answers = {};
    getJSON("/staff/api/points?q=" + encodeURIComponent(it.text)).then(function (data) {
      clear(select);
      select.appendChild(el("option", null, "（不选要点，按条款关联）")).value = "";
      (data.points || []).forEach(function (p, i) {
        var opt = el("option", null, (p.close ? "★ " : "") + p.id + " — " + p.question);
        opt.value = p.id;
        answers[p.id] = p.answer;
        select.appendChild(opt);
        if (i === 0 && p.close && !it.point) select.value = p.id;
      });
      if (it.point) select.value = it.point;
      if (it.clause) clause.value = it.clause;
      preview.textContent = answers[select.value] ? "答复：" + answers[select.value] : "";
    }).catch(function (err) { msg.textContent = err.message; });
    select.addEventListener("change", function () { preview.textContent = answers[select.value] ? "答复：" + answers[select.value] : ""; });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      msg.textContent = "正在保存…";
      post({ text: it.text, status: "linked", point: select.value || null, clause: clause.value.trim() || null })
        .then(load, function (err) { msg.textContent = err.message; });
    });
    select.focus();
  }

  $("review-filters").addEventListener("submit", function (ev) { ev.preventDefault(); load(); });
  document.addEventListener("staff:tab", function (ev) { if (ev.detail === "review") load(); });
})();

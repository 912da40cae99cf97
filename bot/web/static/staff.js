// Hotline staff console. Data from the APIs goes into the page with textContent only;
// search snippets are split on <mark>…</mark> and rebuilt as elements.
(function () {
  "use strict";

  var pageData = JSON.parse(document.getElementById("page-data").textContent || "{}");
  var factLabels = pageData.fact_labels || {};
  var topicNames = {};
  (pageData.topics || []).forEach(function (t) { topicNames[t.id] = t.name; });
  var docTitles = {};
  (pageData.docs || []).forEach(function (d) { docTitles[d.id] = d.short_title || d.title; });
  var lastQuery = "";

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  var ENTITIES = { "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": "\"", "&#39;": "'", "&#x27;": "'" };
  function decode(text) {
    return text.replace(/&(lt|gt|amp|quot|#39|#x27);/g, function (m) { return ENTITIES[m]; });
  }

  // Append a snippet such as "…申报<mark>中级</mark>职称…" without using innerHTML.
  function appendMarked(node, snippet) {
    var re = /<mark>([\s\S]*?)<\/mark>/g;
    var last = 0, m;
    snippet = String(snippet || "");
    while ((m = re.exec(snippet)) !== null) {
      if (m.index > last) node.appendChild(document.createTextNode(decode(snippet.slice(last, m.index))));
      node.appendChild(el("mark", null, decode(m[1])));
      last = re.lastIndex;
    }
    if (last < snippet.length) node.appendChild(document.createTextNode(decode(snippet.slice(last))));
  }

  function getJSON(url, options) {
    return fetch(url, Object.assign({ credentials: "same-origin" }, options || {})).then(function (resp) {
      if (resp.status === 401 && url.indexOf("/staff/") === 0) {
        window.location.href = "/staff/login?next=/staff";
        throw new Error("请重新登录。");
      }
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (!resp.ok) {
          var err = new Error(data.error || ("请求失败（" + resp.status + "）"));
          err.data = data;
          throw err;
        }
        return data;
      });
    }, function () { throw new Error("网络连接失败，请稍后重试。"); });
  }

  // ---------------------------------------------------------------- tabs
  function showTab(name) {
    var found = false;
    document.querySelectorAll(".panel").forEach(function (p) {
      var on = p.getAttribute("data-panel") === name;
      p.hidden = !on;
      found = found || on;
    });
    if (!found) return showTab("search");
    document.querySelectorAll(".tab").forEach(function (t) {
      var on = t.getAttribute("data-tab") === name;
      t.classList.toggle("active", on);
      t.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (name === "unanswered") loadUnanswered();
  }
  window.addEventListener("hashchange", function () { showTab(location.hash.slice(1)); });
  showTab(location.hash.slice(1) || "search");

  // ---------------------------------------------------------------- search
  function runSearch(ev) {
    if (ev) ev.preventDefault();
    var q = $("q").value.trim();
    var status = $("search-status");
    var list = $("results");
    if (!q) { status.textContent = "请输入检索词。"; return; }
    lastQuery = q;
    var params = new URLSearchParams({ q: q });
    ["doc", "year", "topic"].forEach(function (name) {
      var v = $("f-" + name).value;
      if (v) params.set(name, v);
    });
    params.set("limit", "20");
    status.textContent = "正在检索…";
    getJSON("/staff/api/search?" + params.toString()).then(function (data) {
      clear(list);
      var results = data.results || [];
      status.textContent = results.length ? "共找到 " + results.length + " 条相关条款。" :
        "没有找到相关条款，请换个关键词或放宽筛选条件。";
      results.forEach(function (r) {
        var li = el("li", "result");
        var btn = el("button", "result-open");
        btn.type = "button";
        btn.setAttribute("data-id", r.id);
        btn.appendChild(el("span", "result-label", r.label || r.id));
        var snip = el("span", "result-snippet");
        appendMarked(snip, r.snippet || r.text || "");
        btn.appendChild(snip);
        btn.appendChild(el("span", "result-meta", r.id));
        btn.addEventListener("click", function () {
          list.querySelectorAll(".result").forEach(function (x) { x.classList.remove("selected"); });
          li.classList.add("selected");
          loadClause(r.id);
        });
        li.appendChild(btn);
        list.appendChild(li);
      });
    }).catch(function (err) { clear(list); status.textContent = err.message; });
  }
  $("search-form").addEventListener("submit", runSearch);

  // ---------------------------------------------------------------- clause view
  function clauseBlock(c, className) {
    var box = el("div", className || "clause-card");
    var doc = c.short_title || c.title || docTitles[c.doc] || c.doc || "";
    if (doc) box.appendChild(el("div", "card-doc", doc + (c.year ? "（" + c.year + "年）" : "")));
    if (c.relation) {
      box.appendChild(el("div", "card-relation " + c.relation,
        c.prevails ? "较新的规定，与本条不一致时以此为准" : "较早的规定"));
    }
    box.appendChild(el("div", "card-label", c.label || c.id));
    var text = c.full_text || c.text || c.quote || "";
    if (text) box.appendChild(el("div", "card-text", text));
    if (c.id && !/current/.test(className || "")) {
      var open = el("button", "link-button", "打开此条");
      open.type = "button";
      open.addEventListener("click", function () { loadClause(c.id); });
      box.appendChild(open);
    }
    return box;
  }

  function copyText(text, statusNode, source) {
    function done() { statusNode.textContent = "已复制，可直接粘贴回复。"; }
    function fallback() {
      source.focus();
      source.select();
      try {
        if (document.execCommand("copy")) { done(); return; }
      } catch (e) { /* ignored */ }
      statusNode.textContent = "浏览器不允许自动复制，请按 Ctrl+C 复制已选中的文字。";
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }

  function loadClause(id) {
    var box = $("clause");
    clear(box);
    box.appendChild(el("p", "muted", "正在加载条款…"));
    var url = "/staff/api/clause/" + encodeURIComponent(id) + "?q=" + encodeURIComponent(lastQuery);
    getJSON(url).then(function (data) {
      var c = data.clause;
      clear(box);
      box.appendChild(el("h2", "clause-label", c.label || c.id));
      var meta = el("p", "clause-meta");
      meta.appendChild(el("span", null, "《" + (c.title || "") + "》 · 条款编号 " + c.id));
      box.appendChild(meta);
      if (Array.isArray(c.topics) && c.topics.length) {
        var tags = el("div", "topic-tags");
        tags.appendChild(el("span", "muted", "主题："));
        c.topics.forEach(function (t) {
          var b = el("button", "tag", topicNames[t] || t);
          b.type = "button";
          b.title = "查看该主题在历年通知中的变化";
          b.addEventListener("click", function () { loadHistory(t); });
          tags.appendChild(b);
        });
        box.appendChild(tags);
      }
      box.appendChild(el("div", "clause-text", c.full_text || c.text || ""));

      var answer = el("div", "answer");
      answer.appendChild(el("h3", null, "可直接回复的答复"));
      var ta = el("textarea", "answer-text");
      ta.readOnly = true;
      ta.rows = 4;
      ta.value = data.answer || "";
      answer.appendChild(ta);
      var copyBtn = el("button", "primary", "复制答复（含依据）");
      copyBtn.type = "button";
      copyBtn.id = "copy-answer";
      var copyStatus = el("span", "muted copy-status");
      copyStatus.setAttribute("aria-live", "polite");
      copyBtn.addEventListener("click", function () { copyText(ta.value, copyStatus, ta); });
      answer.appendChild(copyBtn);
      answer.appendChild(copyStatus);
      box.appendChild(answer);

      var related = data.related || [];
      var rel = el("section", "related");
      rel.appendChild(el("h3", null, "其他通知中的同类规定"));
      if (!related.length) {
        rel.appendChild(el("p", "muted", "其他通知中没有找到对应的规定。"));
      } else {
        var summaries = [];
        related.forEach(function (r) {
          if (r.summary && summaries.indexOf(r.summary) < 0) {
            summaries.push(r.summary);
            var note = el("div", "card-note");
            note.appendChild(el("strong", null, (r.point_name || "变化要点") + "："));
            note.appendChild(document.createTextNode(r.summary));
            rel.appendChild(note);
          }
        });
        var grid = el("div", "side-by-side");
        var all = related.filter(function (r) { return r.relation === "earlier"; })
          .concat([Object.assign({}, c, { current: true })])
          .concat(related.filter(function (r) { return r.relation !== "earlier"; }));
        all.forEach(function (r) { grid.appendChild(clauseBlock(r, r.current ? "clause-card current" : null)); });
        rel.appendChild(grid);
      }
      box.appendChild(rel);
      var hist = el("section", "history");
      hist.id = "history";
      box.appendChild(hist);
      if (box.scrollIntoView && window.innerWidth < 900) box.scrollIntoView();
    }).catch(function (err) { clear(box); box.appendChild(el("p", "alert", err.message)); });
  }

  function loadHistory(topic) {
    var hist = $("history");
    if (!hist) return;
    clear(hist);
    hist.appendChild(el("p", "muted", "正在加载…"));
    getJSON("/staff/api/history/" + encodeURIComponent(topic)).then(function (data) {
      clear(hist);
      var name = (data.topic && data.topic.name) || topicNames[topic] || topic;
      hist.appendChild(el("h3", null, "“" + name + "”历年规定对比（从早到晚）"));
      var groups = [];
      (data.history || []).forEach(function (item) {
        if (item && Array.isArray(item.clauses)) {
          groups.push(item);
        } else if (item) {
          var g = groups.length && groups[groups.length - 1].doc === item.doc ? groups[groups.length - 1] : null;
          if (!g) { g = { doc: item.doc, title: item.title, clauses: [] }; groups.push(g); }
          g.clauses.push(item);
        }
      });
      if (!groups.length) { hist.appendChild(el("p", "muted", "暂无该主题的规定。")); return; }
      var grid = el("div", "side-by-side");
      groups.forEach(function (g) {
        var col = el("div", "history-col");
        var head = (g.short_title || g.title || docTitles[g.doc] || g.doc || "") + (g.date ? "（" + g.date + "）" : g.year ? "（" + g.year + "年）" : "");
        col.appendChild(el("h4", null, head));
        g.clauses.forEach(function (c) {
          col.appendChild(clauseBlock({ id: c.id, label: c.label, text: c.text }, "clause-card compact"));
        });
        grid.appendChild(col);
      });
      hist.appendChild(grid);
      hist.scrollIntoView && hist.scrollIntoView();
    }).catch(function (err) { clear(hist); hist.appendChild(el("p", "alert", err.message)); });
  }

  // ---------------------------------------------------------------- forms
  function formFacts(form) {
    var facts = {};
    new FormData(form).forEach(function (value, key) {
      if (key !== "show" && typeof value === "string" && value.trim()) facts[key] = value.trim();
    });
    return facts;
  }

  var STATES = { "true": ["yes", "符合申报条件"], "false": ["no", "暂不符合申报条件"], "null": ["unknown", "尚不能确定，需要补充情况"] };

  function renderEligibility(box, r) {
    clear(box);
    var state = STATES[String(r.eligible === undefined ? null : r.eligible)] || STATES["null"];
    var head = el("div", "elig-head " + state[0]);
    head.appendChild(el("strong", null, state[1]));
    if (r.target_title) head.appendChild(el("span", null, " · 申报" + r.target_title));
    if (r.route) head.appendChild(el("span", null, " · 途径：" + (r.route_name || r.route)));
    box.appendChild(head);
    if (Array.isArray(r.missing) && r.missing.length) {
      box.appendChild(el("p", null, "还需要了解：" + r.missing.map(function (m) { return factLabels[m] || m; }).join("、")));
    }
    if (r.notice_title || r.notice_used) {
      box.appendChild(el("p", "muted", "依据的最新通知：《" + (r.notice_title || docTitles[r.notice_used] || r.notice_used) + "》" +
        (r.as_of ? "（按 " + r.as_of + " 已发布的通知判断）" : "")));
    }
    function list(title, items) {
      if (!Array.isArray(items) || !items.length) return;
      box.appendChild(el("h3", null, title));
      var ul = el("ul");
      items.forEach(function (s) { ul.appendChild(el("li", null, typeof s === "string" ? s : JSON.stringify(s))); });
      box.appendChild(ul);
    }
    list("提示", r.caveats);
    list("政策变化", r.changes);
    (r.routes || []).forEach(function (route) {
      var sec = el("section", "route");
      var st = STATES[String(route.eligible === undefined ? null : route.eligible)] || STATES["null"];
      sec.appendChild(el("h3", null, (route.name || route.route || "途径") + "：" + st[1]));
      var table = el("table", "table");
      var tbody = el("tbody");
      (route.trace || []).forEach(function (t) {
        var tr = el("tr");
        tr.appendChild(el("td", "ok-" + String(t.ok), t.ok === true ? "✓" : t.ok === false ? "✗" : "？"));
        tr.appendChild(el("td", null, t.condition || ""));
        var src = el("td");
        if (t.clause) {
          var b = el("button", "link-button", t.clause);
          b.type = "button";
          b.addEventListener("click", function () { location.hash = "search"; loadClause(t.clause); });
          src.appendChild(b);
        }
        if (t.quote) src.appendChild(el("div", "quote", t.quote));
        tr.appendChild(src);
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      sec.appendChild(table);
      if (route.change) sec.appendChild(el("p", "card-note", "变化：" + route.change));
      box.appendChild(sec);
    });
  }

  $("eligibility-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var box = $("eligibility-result");
    clear(box);
    box.appendChild(el("p", "muted", "正在判断…"));
    getJSON("/api/eligibility", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(formFacts(ev.target))
    }).then(function (r) { renderEligibility(box, r); }).catch(function (err) {
      clear(box);
      box.appendChild(el("p", "alert", err.message));
      var errors = (err.data && err.data.errors) || [];
      if (errors.length) {
        var ul = el("ul", "alert-list");
        errors.forEach(function (e) { ul.appendChild(el("li", null, e.message)); });
        box.appendChild(ul);
      }
    });
  });

  // ---------------------------------------------------------------- unanswered
  function loadUnanswered() {
    var status = $("unanswered-status");
    var table = $("unanswered-table");
    var tbody = table.querySelector("tbody");
    status.textContent = "正在读取对话记录…";
    getJSON("/staff/api/unanswered").then(function (data) {
      clear(tbody);
      var items = data.items || [];
      table.hidden = !items.length;
      status.textContent = items.length ? "共 " + data.total + " 次提问，合并为 " + data.groups + " 个问题。" : (data.message || "暂无数据。");
      items.forEach(function (it) {
        var tr = el("tr");
        tr.appendChild(el("td", "q-text", it.text));
        tr.appendChild(el("td", "num", it.count));
        tr.appendChild(el("td", null, (it.reasons || []).join("、")));
        tr.appendChild(el("td", "nowrap", it.last_seen ? it.last_seen.replace("T", " ") : ""));
        tbody.appendChild(tr);
      });
    }).catch(function (err) { status.textContent = err.message; });
  }
  $("unanswered-refresh").addEventListener("click", loadUnanswered);
})();

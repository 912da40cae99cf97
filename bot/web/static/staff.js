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

  window.StaffUI = { el: el, clear: clear, getJSON: getJSON };

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
      if (on) t.setAttribute("aria-current", "page"); else t.removeAttribute("aria-current");
    });
    if (name === "thresholds") loadThresholds();
    document.dispatchEvent(new CustomEvent("staff:tab", { detail: name }));
  }
  var ALIASES = { unanswered: "review" };
  function tabOf(hash) { return ALIASES[hash] || hash || "search"; }
  window.addEventListener("hashchange", function () { showTab(tabOf(location.hash.slice(1))); });
  setTimeout(function () { showTab(tabOf(location.hash.slice(1))); }, 0);

  // ---------------------------------------------------------------- search
  var searchSeq = 0;
  var readyAnswers = [];   // ready answers of the latest search, best first

  function badge(status, label) {
    var b = el("span", "badge " + (status === "current" ? "current" : "superseded"), label);
    return b;
  }

  function renderReady(points) {
    var box = $("ready"), list = $("ready-list");
    clear(list);
    readyAnswers = (points || []).map(function (p) { return p.answer; });
    box.hidden = !readyAnswers.length;
    (points || []).forEach(function (p, i) {
      var li = el("li", "ready-item");
      li.appendChild(el("div", "ready-question", "问法：" + p.question));
      var text = el("p", "ready-text", p.answer);
      text.id = "ready-" + i;
      li.appendChild(text);
      var btn = el("button", i === 0 ? "primary copy-ready" : "copy-ready", "复制");
      btn.type = "button";
      btn.setAttribute("aria-describedby", text.id);
      var st = el("span", "muted copy-status");
      st.setAttribute("role", "status");
      btn.addEventListener("click", function () { copyText(p.answer, st); });
      li.appendChild(btn);
      li.appendChild(st);
      list.appendChild(li);
    });
  }

  function runSearch(ev) {
    if (ev) ev.preventDefault();
    var q = $("q").value.trim();
    var status = $("search-status");
    var list = $("results");
    if (!q) { status.textContent = "请输入检索词。"; clear(list); renderReady([]); return; }
    lastQuery = q;
    var params = new URLSearchParams({ q: q });
    ["doc", "year", "topic"].forEach(function (name) {
      var v = $("f-" + name).value;
      if (v) params.set(name, v);
    });
    params.set("limit", "20");
    var seq = ++searchSeq;
    status.textContent = "正在检索…";
    getJSON("/staff/api/search?" + params.toString()).then(function (data) {
      if (seq !== searchSeq) return;   // a newer search is under way
      clear(list);
      var results = data.results || [];
      renderReady(data.points);
      var current = results.filter(function (r) { return r.status === "current"; }).length;
      status.textContent = results.length ? "共找到 " + results.length + " 条相关条款（现行 " + current + " 条，排在前面）。" :
        (data.message || "没有找到相关条款。");
      status.classList.toggle("empty", !results.length);
      results.forEach(function (r) {
        var li = el("li", "result " + (r.status || ""));
        var btn = el("button", "result-open");
        btn.type = "button";
        btn.setAttribute("data-id", r.id);
        var head = el("span", "result-head");
        head.appendChild(badge(r.status, r.status_label || ""));
        head.appendChild(el("span", "result-label", r.label || r.id));
        btn.appendChild(head);
        var snip = el("span", "result-snippet");
        appendMarked(snip, r.snippet || r.text || "");
        btn.appendChild(snip);
        var meta = r.id + (r.year ? " · " + r.year + "年" : "");
        if (r.superseded_by) meta += " · 新规定：" + (r.superseded_by.label || r.superseded_by.id);
        btn.appendChild(el("span", "result-meta", meta));
        btn.addEventListener("click", function () { openResult(li, r.id); });
        li.appendChild(btn);
        list.appendChild(li);
      });
    }).catch(function (err) { if (seq === searchSeq) { clear(list); renderReady([]); status.textContent = err.message; } });
  }

  function openResult(li, id) {
    $("results").querySelectorAll(".result").forEach(function (x) { x.classList.remove("selected"); });
    li.classList.add("selected");
    loadClause(id);
  }

  var debounce = null;
  $("search-form").addEventListener("submit", function (ev) { clearTimeout(debounce); runSearch(ev); });
  $("q").addEventListener("input", function () {
    clearTimeout(debounce);
    debounce = setTimeout(runSearch, 300);   // search as you type, once typing pauses
  });
  ["f-doc", "f-year", "f-topic"].forEach(function (id) {
    $(id).addEventListener("change", function () { if ($("q").value.trim()) runSearch(); });
  });

  // ---------------------------------------------------------------- keyboard
  function typingIn(target) {
    var tag = (target && target.tagName) || "";
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function currentAnswer() {
    var ta = document.querySelector("#clause .answer-text");
    if (readyAnswers.length) return readyAnswers[0];
    return ta ? ta.value : "";
  }

  document.addEventListener("keydown", function (ev) {
    if ($("panel-search").hidden || ev.altKey || ev.metaKey) return;
    var buttons = Array.prototype.slice.call(document.querySelectorAll("#results .result-open"));
    var idx = buttons.indexOf(document.activeElement);
    if (ev.key === "/" && !typingIn(ev.target) && !ev.ctrlKey) {
      ev.preventDefault();
      $("q").focus();
      $("q").select();
    } else if ((ev.key === "ArrowDown" || ev.key === "ArrowUp") && (idx >= 0 || ev.target === $("q")) && buttons.length) {
      ev.preventDefault();
      var next = ev.key === "ArrowDown" ? idx + 1 : idx - 1;
      if (next < 0) { $("q").focus(); return; }
      buttons[Math.min(next, buttons.length - 1)].focus();
    } else if ((ev.key === "c" && !ev.ctrlKey && !typingIn(ev.target)) ||
               (ev.key === "c" && ev.ctrlKey && !String(window.getSelection() || "") && !typingIn(ev.target))) {
      var text = currentAnswer();
      if (!text) return;
      ev.preventDefault();
      var st = document.querySelector("#ready-list .copy-status") || document.querySelector("#clause .copy-status") || $("search-status");
      copyText(text, st);
    }
  });

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
      if (!source) {
        source = el("textarea", "sr-only");
        source.value = text;
        source.setAttribute("aria-hidden", "true");
        document.body.appendChild(source);
      }
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
      if (c.status) {
        var st = el("p", "clause-status");
        st.appendChild(badge(c.status, c.status_label));
        if (c.superseded_by) st.appendChild(el("span", "muted", " 以" + (c.superseded_by.label || c.superseded_by.id) + "为准"));
        box.appendChild(st);
      }
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
      ta.setAttribute("aria-label", "可直接回复的答复（含依据）");
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
      if (related.length) box.appendChild(diffSection(c, related));
      if (data.thresholds && data.thresholds.rows && data.thresholds.rows.length) {
        var th = el("section", "thresholds");
        th.appendChild(el("h3", null, "本条涉及的年限门槛（历年）"));
        th.appendChild(thresholdTable(data.thresholds));
        box.appendChild(th);
      }
      var hist = el("section", "history");
      hist.id = "history";
      box.appendChild(hist);
      if (box.scrollIntoView && window.innerWidth < 900) box.scrollIntoView();
    }).catch(function (err) { clear(box); box.appendChild(el("p", "alert", err.message)); });
  }

  // Marked text: <del>/<ins> with words a screen reader speaks ("删除："/"新增：").
  function markedText(segments, className) {
    var box = el("div", "diff-text " + (className || ""));
    (segments || []).forEach(function (seg) {
      if (seg.op === "equal") { box.appendChild(document.createTextNode(seg.text)); return; }
      var tag = seg.op === "del" ? "del" : "ins";
      var node = el(tag);
      node.appendChild(el("span", "sr-only", seg.op === "del" ? "［删除：" : "［新增："));
      node.appendChild(document.createTextNode(seg.text));
      node.appendChild(el("span", "sr-only", "］"));
      box.appendChild(node);
    });
    return box;
  }

  function docName(r) {
    return (docTitles[r.doc] || r.title || r.doc || "") + (r.year ? "（" + r.year + "年）" : "");
  }

  function diffSection(c, related) {
    var sec = el("section", "diffs");
    sec.appendChild(el("h3", null, "与其他通知逐字对比"));
    sec.appendChild(el("p", "muted legend", "左为较早的规定，右为较新的规定；删去的文字带删除线，新增的文字带下划线。"));
    related.forEach(function (r) {
      if (!r.diff) return;
      var earlier = r.relation === "earlier";
      var older = earlier ? r : c, newer = earlier ? c : r;
      var pair = el("div", "diff-pair");
      [[older, r.diff.old, "较早"], [newer, r.diff.new, "较新"]].forEach(function (side) {
        var col = el("div", "diff-col");
        col.appendChild(el("div", "card-doc", side[2] + "：" + docName(side[0])));
        col.appendChild(el("div", "card-label", side[0].label || side[0].id));
        col.appendChild(markedText(side[1]));
        pair.appendChild(col);
      });
      if (r.diff.same) pair.appendChild(el("p", "muted same", "两条文字完全相同。"));
      sec.appendChild(pair);
    });
    return sec;
  }

  function thresholdTable(data) {
    var wrap = el("div", "table-scroll");
    var table = el("table", "table threshold-table");
    var cap = el("caption", "sr-only", "各通知规定的年限门槛");
    table.appendChild(cap);
    var thead = el("thead"), hr = el("tr");
    hr.appendChild(el("th", null, "门槛"));
    (data.columns || []).forEach(function (col) {
      var th = el("th", null, col.year + "年");
      th.setAttribute("scope", "col");
      th.title = col.short_title;
      hr.appendChild(th);
    });
    thead.appendChild(hr);
    table.appendChild(thead);
    var tbody = el("tbody");
    (data.rows || []).forEach(function (row) {
      var tr = el("tr");
      var name = el("th", null, row.name);
      name.setAttribute("scope", "row");
      tr.appendChild(name);
      row.cells.forEach(function (cell) {
        var td = el("td", cell && cell.changed ? "changed" : null);
        if (!cell) { td.appendChild(el("span", "muted", "未规定")); tr.appendChild(td); return; }
        td.appendChild(el("strong", null, cell.value + (row.unit || "")));
        if (cell.changed) td.appendChild(el("span", "changed-note", "（有变化）"));
        if (cell.clause) {
          var b = el("button", "link-button clause-link", cell.clause);
          b.type = "button";
          b.title = cell.quote || "";
          b.addEventListener("click", function () { location.hash = "search"; loadClause(cell.clause); });
          td.appendChild(b);
        }
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    wrap.appendChild(table);
    return wrap;
  }

  var thresholdsLoaded = false;
  function loadThresholds() {
    if (thresholdsLoaded) return;
    var box = $("thresholds-box");
    getJSON("/staff/api/thresholds").then(function (data) {
      thresholdsLoaded = true;
      clear(box);
      box.appendChild(thresholdTable(data));
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

  function routeSection(route, headline) {
    var sec = el("section", "route" + (headline ? " headline-route" : ""));
    var st = STATES[String(route.eligible === undefined ? null : route.eligible)] || STATES["null"];
    sec.appendChild(el("h3", null, (headline ? "主要途径 · " : "") + (route.name || route.route || "途径") + "：" + st[1]));
    var table = el("table", "table");
    var cap = el("caption", "sr-only", (route.name || "途径") + "的条件逐条核对");
    table.appendChild(cap);
    var tbody = el("tbody");
    (route.trace || []).forEach(function (t) {
      var tr = el("tr");
      var mark = el("td", "ok-" + String(t.ok), t.ok === true ? "✓" : t.ok === false ? "✗" : "？");
      mark.setAttribute("aria-label", t.ok === true ? "符合" : t.ok === false ? "不符合" : "待确认");
      tr.appendChild(mark);
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
    return sec;
  }

  // The verdict first, then the route it rests on; routes a given fact rules out are folded away.
  function renderEligibility(box, r) {
    clear(box);
    var state = STATES[String(r.eligible === undefined ? null : r.eligible)] || STATES["null"];
    var head = el("div", "elig-head " + state[0]);
    head.appendChild(el("strong", "elig-verdict", r.headline || state[1]));
    var sub = el("div", "elig-sub");
    sub.appendChild(el("span", null, state[1]));
    if (r.target_title) sub.appendChild(el("span", null, " · 申报" + r.target_title));
    if (r.route) sub.appendChild(el("span", null, " · 途径：" + (r.route_name || r.route)));
    head.appendChild(sub);
    box.appendChild(head);
    if (Array.isArray(r.missing) && r.missing.length) {
      box.appendChild(el("p", null, "还需要了解：" + r.missing.map(function (m) { return factLabels[m] || m; }).join("、")));
    }
    var routes = r.routes || [];
    var ruledOut = r.ruled_out || [];
    var outIds = ruledOut.map(function (x) { return x.route; });
    var main = routes.filter(function (x) { return x.route === r.route; })[0];
    if (main) box.appendChild(routeSection(main, true));
    if (r.notice_title || r.notice_used) {
      box.appendChild(el("p", "muted", "依据的最新通知：《" + (r.notice_title || docTitles[r.notice_used] || r.notice_used) + "》" +
        (r.as_of ? "（按 " + r.as_of + " 已发布的通知判断）" : "")));
    }
    function list(title, items) {
      if (!Array.isArray(items) || !items.length) return;
      box.appendChild(el("h3", null, title));
      var ul = el("ul");
      items.forEach(function (s) { ul.appendChild(el("li", null, typeof s === "string" ? s : (s && (s.text || s.headline)) || JSON.stringify(s))); });
      box.appendChild(ul);
    }
    list("提示", r.caveats);
    list("政策变化", r.changes);
    var others = routes.filter(function (x) { return x !== main && outIds.indexOf(x.route) < 0; });
    if (others.length) {
      box.appendChild(el("h3", null, "其他可考虑的途径"));
      others.forEach(function (x) { box.appendChild(routeSection(x, false)); });
    }
    if (ruledOut.length) {
      var fold = el("details", "ruled-out");
      fold.appendChild(el("summary", null, "已按所填情况排除的途径（" + ruledOut.length + " 条）"));
      ruledOut.forEach(function (x) { fold.appendChild(routeSection(x, false)); });
      box.appendChild(fold);
    }
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

})();

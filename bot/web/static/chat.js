// Applicant chat: talks to /api/chat (proxy to Rasa REST), restores the conversation from
// /api/chat/history, rates answers through /api/feedback. Every text from the user or the
// knowledge base is put into the page with textContent, never as HTML.
(function () {
  "use strict";

  var pageData = JSON.parse(document.getElementById("page-data").textContent || "{}");
  var factLabels = pageData.fact_labels || {};
  var hotlines = pageData.hotlines || [];
  var routeNames = pageData.route_names || {};
  var maxChars = pageData.max_chars || 1000;
  var messages = document.getElementById("messages");
  var live = document.getElementById("live");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var hint = document.getElementById("input-hint");
  var sendButton = document.getElementById("send");
  var formNote = document.getElementById("form-note");
  var formQuestion = document.getElementById("form-question");
  var CHECKLIST_PAYLOAD = "/request_checklist";
  var SENDER_KEY = "policy-chat-sender";
  var busy = false;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function randomId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function senderId(fresh) {
    var id = null;
    if (!fresh) {
      try { id = window.localStorage.getItem(SENDER_KEY); } catch (e) { id = null; }
    }
    if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
      id = randomId();
      try { window.localStorage.setItem(SENDER_KEY, id); } catch (e) { /* private mode */ }
    }
    return id;
  }

  var sender = senderId(false);

  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        return { ok: resp.ok, status: resp.status, data: data };
      });
    });
  }

  // ------------------------------------------------------------ text with tel: links
  function telHref(number) { return "tel:" + number.replace(/[^0-9+]/g, ""); }

  function fillText(node, text) {
    // Hotline numbers become tappable; everything else stays plain text.
    var numbers = hotlines.filter(function (n) { return text.indexOf(n) >= 0; });
    if (!numbers.length) { node.textContent = text; return node; }
    var pattern = new RegExp("(" + numbers.map(function (n) {
      return n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }).join("|") + ")");
    text.split(pattern).forEach(function (part) {
      if (!part) return;
      if (numbers.indexOf(part) >= 0) {
        var a = el("a", "tel", part);
        a.href = telHref(part);
        node.appendChild(a);
      } else {
        node.appendChild(document.createTextNode(part));
      }
    });
    return node;
  }

  // ------------------------------------------------------------ rows
  function addRow(who) {
    var row = el("div", "row " + who);
    row.appendChild(el("div", "avatar", who === "user" ? "我" : "职")).setAttribute("aria-hidden", "true");
    var stack = el("div", "stack");
    row.appendChild(stack);
    messages.appendChild(row);
    return stack;
  }

  function addUserText(text) {
    addRow("user").appendChild(el("div", "bubble", text));
  }

  function addBotText(text, isError) {
    var stack = addRow("bot");
    stack.appendChild(fillText(el("div", "bubble" + (isError ? " error" : "")), text));
    return stack.parentNode;
  }

  function citationCard(c) {
    var details = el("details", "card cite");
    var summary = el("summary");
    summary.appendChild(el("span", "cite-tag", "依据"));
    var label = c.label || "";
    var title = c.title || "";
    var head = label.indexOf("《") === 0 ? label : (title ? "《" + title + "》" : "") + label;
    summary.appendChild(el("span", "cite-head", head || c.id || "政策原文"));
    details.appendChild(summary);
    var body = el("div", "cite-body");
    if (title && head.indexOf("《" + title + "》") < 0) body.appendChild(el("p", "cite-title", "《" + title + "》"));
    body.appendChild(el("blockquote", "cite-quote", c.quote || "（原文见上述条款）"));
    details.appendChild(body);
    return details;
  }

  function checklistButton(label) {
    var btn = el("button", "chip primary", label || "生成我的材料清单");
    btn.type = "button";
    btn.setAttribute("data-action", "checklist");
    btn.addEventListener("click", openChecklist);
    return btn;
  }

  function eligibilityCard(e) {
    var state = e.eligible === true ? "yes" : e.eligible === false ? "no" : "unknown";
    var card = el("div", "card elig " + state);
    var head = state === "yes" ? "初步判断：符合申报条件" :
               state === "no" ? "初步判断：暂不符合申报条件" : "还需要补充一些情况才能判断";
    card.appendChild(el("div", "elig-head", head));
    var dl = el("dl");
    function item(term, value) {
      if (value === undefined || value === null || value === "") return;
      dl.appendChild(el("dt", null, term));
      dl.appendChild(el("dd", null, value));
    }
    item("申报级别", e.target_title);
    var route = e.route ? routeNames[e.route] || (/^[\x00-\x7f]*$/.test(e.route) ? "" : e.route) : "";
    item("适用途径", route);
    if (Array.isArray(e.missing) && e.missing.length) {
      item("还需了解", e.missing.map(function (m) { return factLabels[m] || m; }).join("、"));
    }
    card.appendChild(dl);
    var more = el("div", "elig-more");
    more.appendChild(checklistButton());
    card.appendChild(more);
    return card;
  }

  function chipGroup(buttons, title) {
    var group = el("div", "chips");
    group.setAttribute("role", "group");
    if (title) {
      group.setAttribute("aria-label", title);
      group.appendChild(el("span", "chips-title", title));
    }
    buttons.forEach(function (b) {
      var btn = el("button", "chip", b.title || b.payload);
      btn.type = "button";
      btn.addEventListener("click", function () {
        if (busy) return;
        group.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        send(String(b.payload || b.title), String(b.title || b.payload));
      });
      group.appendChild(btn);
    });
    return group;
  }

  function ratingRow(reply, question) {
    var answer = reply.custom.answer || {};
    var box = el("div", "rating");
    box.appendChild(el("span", null, "这个回答有用吗？"));
    [["useful", "有用"], ["useless", "没用"]].forEach(function (pair) {
      var btn = el("button", null, pair[1]);
      btn.type = "button";
      btn.setAttribute("data-rating", pair[0]);
      btn.addEventListener("click", function () {
        box.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        postJson("/api/feedback", {
          sender: sender, rating: pair[0], point: answer.point || null,
          question: question || "", reply: reply.text || ""
        }).then(function (r) {
          box.textContent = "";
          box.appendChild(el("span", r.ok ? "rating-done" : null,
                             r.ok ? "感谢反馈" : "反馈未能提交，请稍后再试。"));
        }).catch(function () {
          box.textContent = "";
          box.appendChild(el("span", null, "反馈未能提交，请检查网络后再试。"));
        });
      });
      box.appendChild(btn);
    });
    return box;
  }

  // Rasa's REST channel sends the text (with its buttons) and the `custom` payload as
  // separate messages: one reply = a text and what follows it until the next text.
  function groupReplies(list) {
    var replies = [];
    list.forEach(function (m) {
      if (!m || typeof m !== "object") return;
      var last = replies[replies.length - 1];
      if (m.text || !last) {
        replies.push({ text: m.text || "", buttons: (m.buttons || []).slice(),
                       custom: (m.custom && typeof m.custom === "object") ? m.custom : {} });
      } else {
        if (Array.isArray(m.buttons)) last.buttons = last.buttons.concat(m.buttons);
        if (m.custom && typeof m.custom === "object") {
          Object.keys(m.custom).forEach(function (k) { last.custom[k] = m.custom[k]; });
        }
      }
    });
    return replies;
  }

  function renderReply(reply, question) {
    var stack = addRow("bot");
    var custom = reply.custom || {};
    var answer = custom.answer && typeof custom.answer === "object" ? custom.answer : null;
    var cites = Array.isArray(custom.citations) ? custom.citations.filter(function (c) {
      return c && typeof c === "object";
    }) : [];
    var lines = String(reply.text || "").split("\n");
    var folds = (answer || custom.eligibility) && (lines.length > 1 || cites.length || (answer && answer.change_detail));
    if (reply.text) {
      var bubble = el("div", "bubble");
      if (folds) {
        // The answer first; conditions, the citation line, quotes and changes under "查看详情".
        bubble.appendChild(fillText(el("div", "answer-short"), lines[0]));
        var more = el("details", "more");
        more.appendChild(el("summary", null, "查看详情"));
        var body = el("div", "more-body");
        var rest = lines.slice(1).join("\n").trim();
        if (rest) body.appendChild(fillText(el("div", "more-text"), rest));
        if (answer && answer.change_detail && rest.indexOf(answer.change_detail) < 0) {
          body.appendChild(el("div", "change-detail", answer.change_detail));
        }
        cites.forEach(function (c) { body.appendChild(citationCard(c)); });
        more.appendChild(body);
        bubble.appendChild(more);
      } else {
        fillText(bubble, reply.text);
      }
      stack.appendChild(bubble);
    }
    if (!folds) cites.forEach(function (c) { stack.appendChild(citationCard(c)); });
    if (custom.eligibility && typeof custom.eligibility === "object") {
      stack.appendChild(eligibilityCard(custom.eligibility));
    }
    var suggested = answer && Array.isArray(answer.suggestions) ? answer.suggestions : [];
    var guesses = [], choices = [], offerChecklist = false;
    (reply.buttons || []).forEach(function (b) {
      if (!b || (!b.title && !b.payload)) return;
      if (b.payload === CHECKLIST_PAYLOAD) offerChecklist = b.title || true;
      else if (suggested.indexOf(b.title) >= 0) guesses.push(b);
      else choices.push(b);
    });
    if (offerChecklist || (custom.checklist_url && !custom.eligibility)) {
      var wrap = el("div", "chips");
      wrap.appendChild(checklistButton(typeof offerChecklist === "string" ? offerChecklist : null));
      stack.appendChild(wrap);
    }
    if (choices.length) stack.appendChild(chipGroup(choices, null));
    if (guesses.length) stack.appendChild(chipGroup(guesses, "猜你想问"));
    if ((answer && (answer.kind === "answer" || answer.kind === "clause")) || custom.eligibility) {
      stack.appendChild(ratingRow(reply, question));
    }
    return stack.parentNode;
  }

  // ------------------------------------------------------------ scrolling, announcing
  // After a reply, its START is the first visible line: scroll as far down as possible
  // without moving the reply's first line above the top of the list.
  function revealStart(row) {
    if (!row) { messages.scrollTop = messages.scrollHeight; return; }
    var top = row.getBoundingClientRect().top - messages.getBoundingClientRect().top + messages.scrollTop - 8;
    messages.scrollTop = Math.min(messages.scrollHeight - messages.clientHeight, Math.max(0, top));
  }

  function announce(rows) {
    var parts = rows.map(function (row) {
      var first = row.querySelector(".answer-short") || row.querySelector(".bubble");
      return first ? first.textContent : "";
    }).filter(Boolean);
    live.textContent = parts.length ? "助手回复：" + parts.join("。") : "";
  }

  function showFormNote(openForm) {
    if (openForm && openForm.question) {
      formQuestion.textContent = openForm.question;
      formNote.hidden = false;
    } else {
      formNote.hidden = true;
      formQuestion.textContent = "";
    }
  }

  function refreshState() {
    return postJson("/api/chat/history", { sender: sender }).then(function (r) {
      if (r.ok) showFormNote(r.data.open_form);
      return r;
    }).catch(function () { return { ok: false, data: {} }; });
  }

  // ------------------------------------------------------------ sending
  function showTyping() {
    var stack = addRow("bot");
    stack.parentNode.classList.add("pending");
    stack.appendChild(el("div", "bubble typing", "正在输入…"));
    messages.scrollTop = messages.scrollHeight;
    return stack.parentNode;
  }

  function networkErrorText() {
    var text = "网络连接失败，请检查网络后重试。";
    if (hotlines.length) text += "也可以拨打职称服务热线 " + hotlines.join("、") + " 咨询。";
    return text;
  }

  function setBusy(value) {
    busy = value;
    updateCounter();
  }

  function send(message, shown) {
    setBusy(true);
    addUserText(shown || message);
    var typing = showTyping();
    var newRows = [];
    postJson("/api/chat", { sender: sender, message: message }).then(function (result) {
      typing.remove();
      if (!result.ok) {
        newRows.push(addBotText(result.data.error || networkErrorText(), true));
      } else {
        var replies = groupReplies(result.data.messages || []);
        if (!replies.length) {
          newRows.push(addBotText("抱歉，这个问题我暂时回答不了。您可以换个说法，或问问申报时间、条件、材料等。", false));
        }
        replies.forEach(function (r) { newRows.push(renderReply(r, shown || message)); });
      }
    }).catch(function () {
      typing.remove();
      newRows.push(addBotText(networkErrorText(), true));
    }).then(function () {
      setBusy(false);
      revealStart(newRows[0]);
      announce(newRows);
      input.focus({ preventScroll: true });
      return refreshState();
    });
  }

  // ------------------------------------------------------------ the input's length
  function updateCounter() {
    var length = input.value.trim().length;
    var over = length > maxChars;
    if (over) {
      hint.textContent = "消息太长了：已输入 " + length + " 字，最多 " + maxChars + " 字，请删减后再发送。";
    } else if (length > maxChars * 0.8) {
      hint.textContent = "已输入 " + length + " / " + maxChars + " 字";
    } else {
      hint.textContent = "";
    }
    hint.hidden = !hint.textContent;
    hint.classList.toggle("over", over);
    input.setAttribute("aria-invalid", over ? "true" : "false");
    sendButton.disabled = busy || over;
  }

  input.addEventListener("input", updateCounter);

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text || busy) return;
    if (text.length > maxChars) { updateCounter(); input.focus(); return; }
    input.value = "";
    updateCounter();
    send(text);
  });

  // ------------------------------------------------------------ checklist, restart, restore
  function openChecklist(ev) {
    if (ev) ev.preventDefault();
    refreshState().then(function (r) {
      window.location.href = (r.ok && r.data.checklist_url) || "/checklist";
    });
  }

  document.getElementById("checklist-link").addEventListener("click", openChecklist);

  var welcome = messages.querySelector(".row.welcome");

  function clearConversation() {
    Array.prototype.slice.call(messages.querySelectorAll(".row")).forEach(function (row) {
      if (row !== welcome) row.remove();
    });
    welcome.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
  }

  document.getElementById("restart").addEventListener("click", function () {
    if (busy) return;
    var old = sender;
    sender = senderId(true);
    clearConversation();
    showFormNote(null);
    live.textContent = "已重新开始对话。";
    messages.scrollTop = 0;
    postJson("/api/chat/restart", { sender: old }).catch(function () { /* the new id starts afresh anyway */ });
  });

  function restore() {
    postJson("/api/chat/history", { sender: sender }).then(function (r) {
      if (!r.ok || !Array.isArray(r.data.messages) || !r.data.messages.length) return;
      var rows = [], pending = [], question = "";
      function flush() {
        groupReplies(pending).forEach(function (reply) { rows.push(renderReply(reply, question)); });
        pending = [];
      }
      r.data.messages.forEach(function (m) {
        if (m.from === "user") {
          flush();
          question = m.text;
          addUserText(m.text);
        } else {
          pending.push(m);
        }
      });
      flush();
      // Choices of earlier turns were answered already: only the last reply's stay live.
      rows.slice(0, -1).forEach(function (row) {
        row.querySelectorAll(".chips button:not([data-action])").forEach(function (b) { b.disabled = true; });
      });
      showFormNote(r.data.open_form);
      revealStart(rows[rows.length - 1]);
    }).catch(function () { /* a fresh page still works */ });
  }

  messages.querySelectorAll(".chip[data-text]").forEach(function (chip) {
    chip.addEventListener("click", function () {
      if (!busy) send(chip.getAttribute("data-text"));
    });
  });

  // Back navigation may show this page from the browser's cache: read the state again.
  window.addEventListener("pageshow", function (ev) {
    if (ev.persisted) refreshState();
  });
  restore();
})();

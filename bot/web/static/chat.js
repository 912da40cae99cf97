// Applicant chat: talks to /api/chat (proxy to Rasa REST). Every text from the user or
// the knowledge base is put into the page with textContent, never as HTML.
(function () {
  "use strict";

  var pageData = JSON.parse(document.getElementById("page-data").textContent || "{}");
  var factLabels = pageData.fact_labels || {};
  var hotlines = pageData.hotlines || [];
  var routeNames = pageData.route_names || {};
  var messages = document.getElementById("messages");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var sendButton = document.getElementById("send");
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

  function senderId() {
    var key = "policy-chat-sender";
    var id = null;
    try { id = window.localStorage.getItem(key); } catch (e) { id = null; }
    if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
      id = randomId();
      try { window.localStorage.setItem(key, id); } catch (e) { /* private mode */ }
    }
    return id;
  }

  var sender = senderId();

  function scrollDown() { messages.scrollTop = messages.scrollHeight; }

  function addRow(who) {
    var row = el("div", "row " + who);
    row.appendChild(el("div", "avatar", who === "user" ? "我" : "职")).setAttribute("aria-hidden", "true");
    var stack = el("div", "stack");
    row.appendChild(stack);
    messages.appendChild(row);
    return stack;
  }

  function lastBotStack() {
    var rows = messages.querySelectorAll(".row");
    var last = rows[rows.length - 1];
    if (last && last.classList.contains("bot") && !last.classList.contains("pending")) {
      return last.querySelector(".stack");
    }
    return addRow("bot");
  }

  function addUserText(text) {
    addRow("user").appendChild(el("div", "bubble", text));
    scrollDown();
  }

  function addBotText(text, isError) {
    addRow("bot").appendChild(el("div", "bubble" + (isError ? " error" : ""), text));
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
    var a = el("a", null, "查看需要准备的材料清单");
    a.href = "/checklist";
    more.appendChild(a);
    card.appendChild(more);
    return card;
  }

  function addButtons(stack, buttons) {
    var group = el("div", "chips");
    group.setAttribute("role", "group");
    buttons.forEach(function (b) {
      if (!b || (!b.title && !b.payload)) return;
      var btn = el("button", "chip", b.title || b.payload);
      btn.type = "button";
      btn.addEventListener("click", function () {
        if (busy) return;
        group.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        send(String(b.payload || b.title), String(b.title || b.payload));
      });
      group.appendChild(btn);
    });
    stack.appendChild(group);
  }

  function renderReply(m) {
    var stack;
    if (m.text) {
      stack = addRow("bot");
      stack.appendChild(el("div", "bubble", m.text));
    }
    if (m.custom && typeof m.custom === "object") {
      stack = stack || lastBotStack();
      var custom = m.custom;
      if (custom.eligibility && typeof custom.eligibility === "object") {
        stack.appendChild(eligibilityCard(custom.eligibility));
      }
      if (Array.isArray(custom.citations)) {
        custom.citations.forEach(function (c) {
          if (c && typeof c === "object") stack.appendChild(citationCard(c));
        });
      }
    }
    if (Array.isArray(m.buttons) && m.buttons.length) {
      addButtons(stack || lastBotStack(), m.buttons);
    }
  }

  function showTyping() {
    var stack = addRow("bot");
    stack.parentNode.classList.add("pending");
    stack.appendChild(el("div", "bubble typing", "正在输入…"));
    scrollDown();
    return stack.parentNode;
  }

  function networkErrorText() {
    var text = "网络连接失败，请检查网络后重试。";
    if (hotlines.length) text += "也可以拨打职称服务热线 " + hotlines.join("、") + " 咨询。";
    return text;
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
  }

  function send(message, shown) {
    setBusy(true);
    addUserText(shown || message);
    var typing = showTyping();
    fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, message: message })
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        return { ok: resp.ok, data: data };
      });
    }).then(function (result) {
      typing.remove();
      if (!result.ok) {
        addBotText(result.data.error || networkErrorText(), true);
      } else {
        var replies = result.data.messages || [];
        if (!replies.length) {
          addBotText("抱歉，这个问题我暂时回答不了。您可以换个说法，或问问申报时间、条件、材料等。", false);
        }
        replies.forEach(renderReply);
      }
    }).catch(function () {
      typing.remove();
      addBotText(networkErrorText(), true);
    }).then(function () {
      setBusy(false);
      scrollDown();
      input.focus();
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    send(text);
  });

  messages.querySelectorAll(".chip[data-text]").forEach(function (chip) {
    chip.addEventListener("click", function () {
      if (!busy) send(chip.getAttribute("data-text"));
    });
  });
})();

// The agent console: one socket, live lists, one open conversation. No build step.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  // Django's JavaScript catalogue defines gettext; without it the console speaks its source language.
  var _ = window.gettext || function (s) { return s; };
  var fmt = window.interpolate || function (s) { return s; };
  var STATUS = { bot: _("With the bot"), queued: _("Waiting for an agent"), agent: _("With an agent"), closed: _("Closed") };
  var PRESENCE = { online: _("Online"), away: _("Away"), offline: _("Offline") };
  var SENDER = { customer: _("Customer"), bot: _("Bot"), agent: _("Agent"), system: _("System") };
  var root = $("console");
  var canned = JSON.parse($("canned-data").textContent || "[]");
  var state = { me: null, lists: null, open: null, seqs: {}, streams: {}, ws: null, retry: 0, refs: 0, seen: {} };

  // --- the socket, with resume per conversation ----------------------------
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + root.dataset.socket);
    state.ws = ws;
    ws.onopen = function () {
      state.retry = 0;
      send({ type: "hello", status: $("my-status").value, conversations: state.seqs });
    };
    ws.onmessage = function (event) { handle(JSON.parse(event.data)); };
    ws.onclose = function (event) {
      setConnection(_("disconnected"), false);
      if (event.code === 4401 || event.code === 4403) { setConnection(_("signed out: reload the page"), false); return; }
      var delay = Math.min(30000, 500 * Math.pow(2, state.retry++));
      setTimeout(connect, delay);
    };
  }
  function send(frame) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) { state.ws.send(JSON.stringify(frame)); return true; }
    return false;
  }
  /** Send a command about the open conversation; return its ref, or null when it could not go out. */
  function command(name, fields) {
    if (!state.open) return null;
    var frame = { type: "command", command: name, conversation_id: state.open, ref: "c" + (++state.refs) };
    Object.keys(fields || {}).forEach(function (k) { frame[k] = fields[k]; });
    return send(frame) ? frame.ref : null;
  }
  setInterval(function () { send({ type: "ping", ts: Date.now() }); }, 20000);

  function setConnection(text, live) {
    $("connection").textContent = text;
    $("connection").dataset.state = live ? "live" : "down";
    $("connection").classList.toggle("live", live);
  }

  // --- frames from the server ------------------------------------------------
  var handlers = {
    welcome: function (f) { state.me = f.me; if (f.canned) canned = f.canned; },
    synced: function () { setConnection(_("live"), true); if (state.open) send({ type: "open", conversation_id: state.open }); },
    lists: function (f) {
      // Away without choosing it: a chat assigned to this agent went unanswered and was given to someone else.
      if (state.lists && state.lists.me.status === "online" && f.me.status === "away" && !state.choseStatus) {
        $("status-notice").textContent = _("A chat went unanswered, so your status is now Away. Choose Online to receive chats again.");
        $("status-notice").hidden = false;
      }
      state.choseStatus = false;
      state.lists = f;
      if (f.canned) { canned = f.canned; if (/^\/[\w-]*$/.test(reply.value)) renderMenu(); }
      renderLists();
    },
    assigned: function (f) { notify(f.conversation); },
    transcript: showTranscript,
    message: function (f) {
      note_seq(f.conversation_id, f.seq);
      if (f.conversation_id === state.open) { dropStream(f.stream_id); addEntry(f); if (f.sender === "customer") markRead(f.seq); }
    },
    note: function (f) { if (f.conversation_id === state.open) addEntry(f); },
    stream: function (f) { if (f.conversation_id === state.open) addDelta(f); },
    typing: function (f) { if (f.conversation_id === state.open) showTyping(); },
    // A status frame is newer than the lists already on screen: it decides until the next lists arrive.
    status: function (f) { if (f.conversation_id === state.open) { state.status = f.status; renderHead(false); } },
    viewers: function (f) { if (f.conversation_id === state.open) renderViewers(f.viewers); },
    rated: function (f) { if (f.conversation_id === state.open) showRating(f.score, f.comment); },
    done: function (f) {
      $("composer-error").textContent = "";
      if (state.sending && state.sending.ref === f.ref) state.sending = null;
    },
    error: function (f) {
      $("composer-error").textContent = f.message || f.code;
      // A refused reply goes back into the box: nothing the agent wrote is lost.
      if (state.sending && state.sending.ref === f.ref) {
        if (!reply.value.trim()) reply.value = state.sending.text;
        state.sending = null;
      }
    },
    pong: function () {}
  };
  function handle(frame) { var h = handlers[frame.type]; if (h) h(frame); }
  function note_seq(id, seq) { if (seq && (!state.seqs[id] || seq > state.seqs[id])) state.seqs[id] = seq; }

  // --- lists -------------------------------------------------------------------
  function renderLists() {
    var l = state.lists;
    $("my-load").textContent = l.me.load + " / " + l.me.capacity;
    if (document.activeElement !== $("my-status")) $("my-status").value = l.me.status === "offline" ? $("my-status").value : l.me.status;
    $("queue-count").textContent = l.queue.length;
    $("mine-count").textContent = l.mine.length;
    fill("queue", l.queue, function (row) { return fmt(_("#%(position)s · waiting %(time)s"), { position: row.position, time: since(row.waiting_since) }, true); });
    fill("mine", l.mine, function (row) { return row.awaiting_answer ? _("new: answer now") : ""; });
    fill("bot", l.bot, function () { return ""; });
    fill("others", l.others, function (row) { return row.agent_name; });
    var select = $("transfer-to");
    select.length = 1;
    l.agents.forEach(function (a) {
      if (state.me && a.id === state.me.id) return;
      select.add(new Option(a.name + " (" + (PRESENCE[a.status] || a.status) + ", " + a.load + "/" + a.capacity + ")", a.id));
    });
    renderHead(true);
    renderTitle();
  }
  var baseTitle = document.title;
  /** Put the number of customer messages waiting for me in the tab's title. */
  function renderTitle() {
    var waiting = 0;
    state.lists.mine.forEach(function (row) { if (row.id !== state.open || document.hidden) waiting += row.unread || 0; });
    document.title = waiting ? "(" + waiting + ") " + baseTitle : baseTitle;
  }
  document.addEventListener("visibilitychange", function () { if (state.lists) renderTitle(); });
  /** True when a row matches the words typed in the filter box (customer name or last message). */
  function matchesFilter(row) {
    var words = $("list-filter").value.trim().toLowerCase();
    if (!words) return true;
    return (row.customer + " " + row.preview + " #" + row.id).toLowerCase().indexOf(words) >= 0;
  }
  $("list-filter").addEventListener("input", function () { if (state.lists) renderLists(); });
  function fill(id, rows, extra) {
    var ul = $(id);
    ul.textContent = "";
    rows.filter(matchesFilter).forEach(function (row) {
      var li = document.createElement("li");
      li.dataset.id = row.id;
      li.className = (row.id === state.open ? "selected " : "") + (row.awaiting_answer ? "fresh" : "");
      var title = document.createElement("strong");
      title.translate = false;  // data, not words of the interface
      title.textContent = row.customer + " ";
      li.appendChild(title);
      var info = extra(row);
      if (info) li.appendChild(document.createTextNode(info));
      if (row.unread && row.id !== state.open) {
        var badge = document.createElement("span"); badge.className = "badge"; badge.textContent = row.unread; li.appendChild(badge);
      }
      var preview = document.createElement("span"); preview.className = "preview"; preview.translate = false; preview.textContent = row.preview;
      li.appendChild(preview);
      li.onclick = function () { open(row.id); };
      ul.appendChild(li);
    });
  }
  function since(ms) {
    var s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    return s < 60 ? fmt(_("%(n)s s"), { n: s }, true) : fmt(_("%(n)s min"), { n: Math.floor(s / 60) }, true);
  }
  function findRow(id) {
    if (!state.lists) return null;
    var all = state.lists.queue.concat(state.lists.mine, state.lists.bot, state.lists.others);
    for (var i = 0; i < all.length; i++) if (all[i].id === id) return all[i];
    return null;
  }

  // --- the open conversation ----------------------------------------------
  function open(id) {
    if (state.open && state.open !== id) send({ type: "leave", conversation_id: state.open });
    state.open = id;
    send({ type: "open", conversation_id: id });
  }
  function showTranscript(f) {
    var c = f.conversation;
    state.open = c.id; state.status = c.status; state.agentId = c.agent_id; state.streams = {};
    $("chat").hidden = false; $("details").hidden = false; $("chat-empty").hidden = true;
    $("chat-title").textContent = f.customer.name + " · #" + c.id;
    $("entries").textContent = "";
    f.entries.forEach(addEntry);
    if (c.rating) showRating(c.rating, c.rating_comment);
    note_seq(c.id, c.last_seq);
    if (c.last_seq) markRead(c.last_seq);
    renderViewers(f.viewers || []);
    renderCustomer(f.customer);
    state.agentName = c.agent_name;
    renderHead(false);
    renderLists && state.lists && renderLists();
    $("reply").focus();
  }
  /** Draw the open conversation's header and what may be done; `fromLists` when fresh lists just arrived. */
  function renderHead(fromLists) {
    if (!state.open) return;
    var row = fromLists ? findRow(state.open) : null;
    // Closed is final: lists read before the close but delivered after its status frame must not undo it
    // (the lists that follow no longer hold the conversation, so nothing would put it right).
    if (row && state.status !== "closed") { state.status = row.status; state.agentId = row.agent_id; state.agentName = row.agent_name; }
    var closed = state.status === "closed";
    var mine = state.me && state.agentId === state.me.id && state.status === "agent";
    $("chat-status").textContent = (STATUS[state.status] || state.status) + (state.agentName && state.status === "agent" ? " · " + state.agentName : "");
    $("act-take-over").disabled = mine || closed;
    $("act-return").disabled = !mine; $("act-close").disabled = closed;
    $("transfer-to").disabled = !mine;
    $("as-note").disabled = closed;
    $("reply").disabled = closed;
    $("send").disabled = closed || !(mine || $("as-note").checked);
    $("reply").placeholder = closed ? _("This conversation is closed.")
      : mine || $("as-note").checked ? replyHint : _("Take over to reply, or tick Private note to write to colleagues.");
  }
  var replyHint = $("reply").placeholder;
  function addEntry(f) {
    var div = document.createElement("div");
    div.className = "entry " + f.sender + (f.refused ? " refused" : f.type === "note" ? " note" : "");
    if (f.msg_id) { if (document.querySelector('[data-msg="' + f.msg_id + '"]')) return; div.dataset.msg = f.msg_id; }
    var meta = document.createElement("div"); meta.className = "meta";
    // A refused customer text is shown to staff only, marked, never sent on.
    meta.textContent = (f.refused ? _("refused by the content check") + " · " : f.type === "note" ? _("private note") + " · " : "") + (f.sender_name || SENDER[f.sender] || f.sender) + (f.ts ? " · " + new Date(f.ts).toLocaleTimeString() : "");
    div.appendChild(meta);
    if (f.text) { var text = document.createElement("div"); text.className = "text"; text.translate = false; text.textContent = f.text; div.appendChild(text); }
    if (f.media) div.appendChild(picture(f.media));
    else if (f.media_refused) { var gone = document.createElement("div"); gone.className = "text picture-refused"; gone.textContent = _("Picture refused by the content check"); div.appendChild(gone); }
    $("entries").appendChild(div);
    $("entries").scrollTop = $("entries").scrollHeight;
    if (f.sender === "customer") $("typing").hidden = true;
  }
  /** A thumbnail that opens the full picture in a new tab (signed URLs, served by the site: the CSP allows them). */
  function picture(media) {
    var link = document.createElement("a");
    link.className = "picture"; link.href = media.url; link.target = "_blank"; link.rel = "noopener";
    var img = document.createElement("img");
    img.src = media.thumb_url; img.alt = _("Picture"); img.loading = "lazy";
    link.appendChild(img);
    return link;
  }
  function showRating(score, comment) {
    var old = document.getElementById("rating-entry");
    if (old) old.remove();
    var div = document.createElement("div");
    div.id = "rating-entry"; div.className = "entry system rating";
    var head = document.createElement("div"); head.className = "meta"; head.textContent = fmt(_("Rated %(score)s / 5"), { score: score }, true);
    div.appendChild(head);
    if (comment) { var text = document.createElement("div"); text.className = "text"; text.translate = false; text.textContent = comment; div.appendChild(text); }
    $("entries").appendChild(div);
    $("entries").scrollTop = $("entries").scrollHeight;
  }
  function addDelta(f) {
    var entry = state.streams[f.stream_id];
    if (!entry) {
      entry = state.streams[f.stream_id] = document.createElement("div");
      entry.className = "entry bot streaming";
      entry.innerHTML = '<div class="meta"></div><div class="text"></div>';
      entry.querySelector(".meta").textContent = _("bot · typing");
      $("entries").appendChild(entry);
    }
    entry.querySelector(".text").textContent += f.delta;
    $("entries").scrollTop = $("entries").scrollHeight;
  }
  function dropStream(id) { if (id && state.streams[id]) { state.streams[id].remove(); delete state.streams[id]; } }
  var typingTimer = null;
  function showTyping() {
    $("typing").hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { $("typing").hidden = true; }, 4000);
  }
  function renderViewers(names) { $("viewers").textContent = names.length ? fmt(_("Also viewing: %(names)s"), { names: names.join(", ") }, true) : ""; }
  function renderCustomer(c) {
    var dl = $("customer"); dl.textContent = "";
    [[_("Name"), c.name], ["OpenID", c.openid], [_("Device"), c.device], [_("Platform"), c.platform], [_("App version"), c.app_version],
     [_("Customer since"), new Date(c.since).toLocaleDateString()]].forEach(function (pair) {
      var dt = document.createElement("dt"); dt.textContent = pair[0];
      var dd = document.createElement("dd"); dd.translate = false; dd.textContent = pair[1] || "–";
      dl.appendChild(dt); dl.appendChild(dd);
    });
    var ul = $("earlier"); ul.textContent = "";
    c.earlier.forEach(function (e) {
      var li = document.createElement("li");
      var a = document.createElement("a"); a.href = "/admin/agents/transcript/" + e.id + "/change/"; a.target = "_blank";
      a.textContent = "#" + e.id + " · " + (STATUS[e.status] || e.status) + " · " + new Date(e.opened_at).toLocaleDateString() + (e.rating ? " · " + e.rating + "★" : "");
      li.appendChild(a); ul.appendChild(li);
    });
    if (!c.earlier.length) { var none = document.createElement("li"); none.textContent = _("None"); ul.appendChild(none); }
  }
  function markRead(seq) { if (state.me && state.agentId === state.me.id) command("read", { seq: seq }); }

  // --- telling the agent at once --------------------------------------------
  function notify(row) {
    if (state.seen[row.id]) return;
    state.seen[row.id] = true;
    beep();
    if ("Notification" in window && Notification.permission === "granted") {
      var n = new Notification(_("New conversation for you"), { body: row.customer + ": " + row.preview, tag: "csbot-" + row.id });
      n.onclick = function () { window.focus(); open(row.id); };
    }
  }
  var audio = null;
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "sine"; osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.2, audio.currentTime + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.35);
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + 0.4);
    } catch (e) { /* sound is a courtesy; the list shows it too */ }
  }
  document.addEventListener("click", function askOnce() {
    if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
    document.removeEventListener("click", askOnce);
  });

  // --- the reply box and canned responses ----------------------------------
  var reply = $("reply"), menu = $("canned-menu"), active = 0;
  function matches() {
    var m = /^\/([\w-]*)$/.exec(reply.value);
    if (!m) return [];
    return canned.filter(function (c) { return c.shortcut.indexOf(m[1]) === 0; });
  }
  function renderMenu() {
    var found = matches();
    menu.textContent = ""; menu.hidden = !found.length; active = Math.min(active, Math.max(0, found.length - 1));
    if (!canned.length && /^\/[\w-]*$/.test(reply.value)) {
      var empty = document.createElement("li"); empty.className = "empty";
      empty.textContent = _("No canned answers yet: managers add them in the admin under Canned answers.");
      menu.appendChild(empty); menu.hidden = false;
    }
    found.forEach(function (c, i) {
      var li = document.createElement("li"); li.textContent = "/" + c.shortcut + " — " + (c.title || c.text.slice(0, 40));
      if (i === active) li.className = "active";
      li.onmousedown = function (e) { e.preventDefault(); choose(c); };
      menu.appendChild(li);
    });
  }
  function choose(c) { reply.value = c.text; menu.hidden = true; reply.focus(); }
  reply.addEventListener("input", function () {
    renderMenu();
    if (state.open && !$("as-note").checked) send({ type: "typing", conversation_id: state.open });
  });
  reply.addEventListener("keydown", function (e) {
    var found = menu.hidden ? [] : matches();
    if (found.length && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      active = (active + (e.key === "ArrowDown" ? 1 : found.length - 1)) % found.length; renderMenu(); e.preventDefault(); return;
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (found.length) { choose(found[active]); return; }
      submit();
    }
  });
  $("composer").addEventListener("submit", function (e) { e.preventDefault(); submit(); });
  function submit() {
    var text = reply.value.trim();
    if (!text || !state.open || $("send").disabled) return;
    var note = $("as-note").checked;
    var ref = command(note ? "note" : "reply", { text: text });
    if (!ref) return;
    state.sending = { ref: ref, text: text };
    reply.value = "";
    // A note is the exception: the next words go to the customer again.
    if (note) { $("as-note").checked = false; renderHead(false); }
  }

  // --- pictures: picked or pasted, uploaded, then sent as a reply --------------
  function sendPicture(file) {
    if (!file || !state.open) return;
    // Pictures go to the customer only, from the agent serving the conversation: never as a private note.
    if ($("send").disabled || $("as-note").checked) { $("composer-error").textContent = _("Take over to send a picture to the customer."); return; }
    var body = new FormData();
    body.append("file", file);
    var token = document.querySelector("#composer [name=csrfmiddlewaretoken]");
    $("composer-error").textContent = _("Uploading the picture…");
    fetch(root.dataset.media, { method: "POST", body: body, credentials: "same-origin",
                                headers: { "X-CSRFToken": token ? token.value : "" } })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (answer) {
        if (!answer.ok) { $("composer-error").textContent = answer.data.message || answer.data.error; return; }
        $("composer-error").textContent = "";
        var text = reply.value.trim();
        var ref = command("reply", { text: text, media_id: answer.data.media_id });
        if (ref) { state.sending = { ref: ref, text: text }; reply.value = ""; }
      })
      .catch(function () { $("composer-error").textContent = _("The picture could not be uploaded."); });
  }
  $("picture").onchange = function () { var file = this.files[0]; this.value = ""; sendPicture(file); };
  reply.addEventListener("paste", function (e) {
    var items = (e.clipboardData && e.clipboardData.files) || [];
    if (items.length && /^image\//.test(items[0].type)) { e.preventDefault(); sendPicture(items[0]); }
  });

  // --- actions ------------------------------------------------------------------
  $("act-take-over").onclick = function () { command("take_over"); $("as-note").checked = false; };
  $("act-return").onclick = function () { command("return_to_bot"); };
  $("act-close").onclick = function () { if (confirm(_("Close this conversation? The customer will be asked for a rating."))) command("close"); };
  $("transfer-to").onchange = function () {
    var to = this.value; this.value = "";
    if (to) command("transfer", { agent_id: to });
  };
  $("my-status").onchange = function () {
    state.choseStatus = true;
    $("status-notice").hidden = true;
    send({ type: "status", status: this.value });
  };
  $("as-note").onchange = function () { renderHead(false); };

  connect();
})();

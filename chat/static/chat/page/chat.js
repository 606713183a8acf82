// Web chat page: renders the conversation the SDK delivers. The SDK owns
// the connection, ordering and retries; this file only draws.
(function () {
  'use strict';

  // Django's JavaScript catalogue (loaded before this file) defines gettext in the page's language.
  var _ = window.gettext || function (s) { return s; };
  var fmt = window.interpolate || function (s) { return s; };
  var SENDER_NAMES = {
    bot: _('Virtual assistant'),
    agent: _('Human agent'),
    system: _('System'),
  };
  var STATE_TEXT = {
    idle: _('Not connected'),
    connecting: _('Connecting…'),
    open: _('Connected'),
    reconnecting: _('Reconnecting…'),
    offline: _('No connection'),
    stopped: _('Disconnected'),
  };
  var TYPING_SHOW_MS = 3000;

  var $ = function (id) { return document.getElementById(id); };
  var el = {
    conn: $('conn'), connText: document.querySelector('#conn .conn-text'),
    status: $('status-line'), wait: $('wait-line'), banner: $('banner'), bannerText: $('banner-text'), bannerRetry: $('banner-retry'),
    messages: $('messages'), list: $('list'), typing: $('typing'), earlier: $('load-earlier'),
    rating: $('rating'), stars: $('stars'), comment: $('rating-comment'),
    rateSubmit: $('rating-submit'), rateSkip: $('rating-skip'),
    chips: $('chips'), input: $('input'), send: $('send'), handoff: $('handoff'), picture: $('picture'),
  };

  if (document.body.getAttribute('data-dev-login') !== '1') {
    showBanner(_('This demo page needs development sign-in (CSBOT_DEV_LOGIN).'), 'error');
    return;
  }

  var client = new window.CsbotClient({ baseUrl: window.location.origin, adapter: 'browser', login: 'dev', appVersion: 'web-1' });

  // Bubbles by key: "seq:<conv>:<n>", "cm:<client_msg_id>" or "st:<stream_id>".
  var bubbles = {};
  // The oldest message shown ({conv, seq}) and whether the record goes back further.
  var oldest = null;
  var moreEarlier = false;
  var lastStatus = null;
  var lastConversation = null;
  var typingTimer = null;

  // ------------------------------------------------------------- bubbles

  function senderName(m) {
    if (m.sender === 'agent' && m.sender_name) return fmt(_('%(name)s · Human agent'), { name: m.sender_name }, true);
    return m.sender_name || SENDER_NAMES[m.sender] || m.sender;
  }

  function makeBubble(sender, name) {
    var li = document.createElement('li');
    li.className = 'msg ' + (sender === 'customer' ? 'mine' : sender === 'system' ? 'system' : 'theirs');
    if (sender !== 'customer' && sender !== 'system') {
      var n = document.createElement('div');
      n.className = 'name';
      n.textContent = name;
      li.appendChild(n);
    }
    var b = document.createElement('div');
    b.className = 'bubble';
    b.translate = false;  // what people wrote, not words of the page
    li.appendChild(b);
    var meta = document.createElement('div');
    meta.className = 'meta';
    li.appendChild(meta);
    return li;
  }

  function nearBottom() {
    var m = el.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
  }

  function scrollDown(force) {
    if (force || nearBottom()) el.messages.scrollTop = el.messages.scrollHeight;
  }

  function timeOf(ts) {
    var d = new Date(ts || Date.now());
    return ('0' + d.getHours()).slice(-2) + ':' + ('0' + d.getMinutes()).slice(-2);
  }

  /** True when (conv, seq) comes before (conv2, seq2): conversations in order, then seq within one. */
  function before(conv, seq, conv2, seq2) {
    return conv !== conv2 ? conv < conv2 : seq < seq2;
  }

  /** Insert a bubble in (conversation, seq) order; pending and streaming ones stay at the end. */
  function insertInOrder(li, conv, seq) {
    li.setAttribute('data-conv', conv);
    li.setAttribute('data-seq', seq);
    var items = el.list.querySelectorAll('li.msg');
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      if (!item.hasAttribute('data-seq') ||
          before(conv, seq, Number(item.getAttribute('data-conv')), Number(item.getAttribute('data-seq')))) {
        el.list.insertBefore(li, item);
        return;
      }
    }
    el.list.appendChild(li);
  }

  /** Put a separator, with its start time, before the first message of every conversation but the first shown. */
  function markConversations() {
    var seps = el.list.querySelectorAll('li.separator');
    for (var i = 0; i < seps.length; i++) seps[i].parentNode.removeChild(seps[i]);
    var items = el.list.querySelectorAll('li.msg[data-conv]');
    var previous = null;
    for (var j = 0; j < items.length; j++) {
      var conv = items[j].getAttribute('data-conv');
      if (previous !== null && conv !== previous) {
        var sep = document.createElement('li');
        sep.className = 'separator';
        sep.setAttribute('role', 'separator');
        sep.textContent = fmt(_('New conversation · %(time)s'), { time: items[j].getAttribute('data-when') || '' }, true);
        el.list.insertBefore(sep, items[j]);
      }
      previous = conv;
    }
  }

  function dayAndTime(ts) {
    var d = new Date(ts || Date.now());
    return d.toLocaleDateString() + ' ' + timeOf(ts);
  }

  function showMessage(m) {
    var stick = nearBottom();
    var key = 'seq:' + m.conversation_id + ':' + m.seq;
    if (bubbles[key]) return;
    // The final message of a stream or the stored copy of a pending message
    // replaces the bubble already on screen.
    var li = (m.stream_id && bubbles['st:' + m.stream_id]) || (m.client_msg_id && bubbles['cm:' + m.client_msg_id]);
    if (li) {
      li.classList.remove('streaming', 'pending');
      if (li.parentNode) li.parentNode.removeChild(li);
    } else {
      li = makeBubble(m.sender, senderName(m));
    }
    fillBubble(li.querySelector('.bubble'), m);
    li.querySelector('.meta').textContent = timeOf(m.ts);
    li.setAttribute('data-when', dayAndTime(m.ts));
    var conv = Number(m.conversation_id), seq = Number(m.seq);
    insertInOrder(li, conv, seq);
    bubbles[key] = li;
    if (oldest === null || before(conv, seq, oldest.conv, oldest.seq)) oldest = { conv: conv, seq: seq };
    if (m.sender !== 'customer') hideTyping();
    markConversations();
    showGreeting();
    showEarlierButton();
    scrollDown(stick || m.sender === 'customer');
  }

  var fillBubble = window.CsbotPictures.fillBubble;

  function showEarlierButton() {
    el.earlier.hidden = !(moreEarlier || (oldest !== null && oldest.seq > 1));
  }

  function showPending(item) {
    var li = makeBubble('customer');
    li.classList.add('pending');
    fillBubble(li.querySelector('.bubble'), item);
    bubbles['cm:' + item.client_msg_id] = li;
    el.list.appendChild(li);
    showGreeting();
    scrollDown(true);
  }

  function showStream(s) {
    var stick = nearBottom();
    var li = bubbles['st:' + s.stream_id];
    if (!li) {
      li = makeBubble('bot', SENDER_NAMES.bot);
      li.classList.add('streaming');
      bubbles['st:' + s.stream_id] = li;
      el.list.appendChild(li);
      hideTyping();
      showGreeting();
    }
    li.querySelector('.bubble').textContent = s.text;
    scrollDown(stick);
  }

  function systemNote(text) {
    var li = makeBubble('system');
    li.querySelector('.bubble').textContent = text;
    el.list.appendChild(li);
    scrollDown(false);
  }

  // ------------------------------------------------------- status & banner

  /** Show a banner; `action` labels its button ("Retry" when true). */
  function showBanner(text, kind, action) {
    el.banner.hidden = !text;
    el.banner.setAttribute('data-kind', kind || 'error');
    el.bannerText.textContent = text || '';
    el.bannerRetry.hidden = !action;
    el.bannerRetry.textContent = typeof action === 'string' ? action : _('Retry');
  }

  // Offline is not final: the page keeps trying in the background, and at
  // once when a long poll shows the server answers again.
  var OFFLINE_RETRY_MS = 15000;
  var offlineTimer = null;
  var elsewhere = false;

  function showState(state, detail) {
    el.conn.setAttribute('data-state', state);
    el.connText.textContent = STATE_TEXT[state] || state;
    clearTimeout(offlineTimer);
    if (state === 'reconnecting') showBanner(_('Connection lost, reconnecting…'), 'info');
    else if (state === 'offline') {
      showBanner(_('Cannot reach the server: trying again in the background'), 'error', true);
      offlineTimer = setTimeout(retryNow, OFFLINE_RETRY_MS);
    } else if (state === 'open') {
      showBanner('');
      if (!loadedEarlier) loadEarlier(true);
    } else if (state === 'stopped' && !elsewhere && !client.kicked && !(detail && detail.reason === 'closed_by_app')) {
      showBanner(_('Disconnected'), 'error', true);
    }
    updateHandoff();
    updateSend();
  }

  function retryNow() {
    if (client.state === 'offline' || client.state === 'stopped') client.start();
  }

  function updateHandoff() {
    var serving = lastStatus === 'queued' || lastStatus === 'agent';
    el.handoff.disabled = serving || client.state === 'stopped';
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    el.typing.hidden = true;
  }

  function showStatus(s) {
    var text = '';
    if (s.status === 'bot') text = '';
    else if (s.status === 'queued') {
      // No place in line until the customer has written: agents see a conversation by its first message.
      text = s.queue_position
        ? fmt(_('Connecting you to an agent: %(ahead)s ahead of you'), { ahead: s.queue_position - 1 }, true)
        : _('Please type your question: an agent will see it and join you.');
    } else if (s.status === 'agent') {
      text = s.agent_name ? fmt(_('%(name)s is helping you'), { name: s.agent_name }, true) : _('An agent is helping you');
    } else if (s.status === 'closed') {
      text = _('Conversation closed');
    }
    var away = s.status === 'queued' ? waiting.awayText(s.conversation_id) : null;
    if (away) text = away;
    el.status.hidden = !text;
    el.status.textContent = text;
    lastStatus = s.status;
    lastConversation = s.conversation_id;
    waiting.status(s);
    updateHandoff();
    if (s.status === 'closed') rating.offer(s.conversation_id);
  }

  // How long a queued customer waits, or that nobody can answer now (waiting.js).
  var waiting = window.CsbotWaiting(el.wait, function (text) {
    el.status.hidden = false;
    el.status.textContent = text;
  });

  // The rating card when a conversation closes (rating.js).
  var rating = window.CsbotRating(client, {
    card: el.rating, stars: el.stars, submit: el.rateSubmit, skip: el.rateSkip, comment: el.comment,
  }, systemNote);

  // ------------------------------------------------------------- composer

  function updateSend() {
    el.send.disabled = !el.input.value.trim() || client.state === 'stopped';
  }

  function sendText(text) {
    text = text.trim();
    if (!text) return;
    // send() refuses bad text with one `error` event and returns null.
    var refused = null;
    var off = client.on('error', function (e) { refused = e.code; });
    var item = client.send(text);
    off();
    if (item) return;
    if (refused === 'bad_text') systemNote(_('The message holds a broken character'));
    else if (refused === 'storage_full' || refused === 'outbox_full') systemNote(_('Too many unsent messages'));
    else systemNote(_('Message too long'));
  }

  // A picture picked or pasted: uploaded, then sent with whatever is in the box.
  window.CsbotPictures.attach(client, el.input, el.picture, {
    sent: function () { el.input.value = ''; updateSend(); },
    note: systemNote,
  });

  el.send.addEventListener('click', function () {
    sendText(el.input.value);
    el.input.value = '';
    updateSend();
    el.input.focus();
  });

  el.input.addEventListener('keydown', function (ev) {
    // Enter sends, Shift+Enter breaks the line; IME composition is left alone.
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      el.send.click();
    }
  });

  el.input.addEventListener('input', function () {
    updateSend();
    if (el.input.value) client.typing();
  });

  el.handoff.addEventListener('click', function () {
    client.handoff('customer_request');
    el.handoff.disabled = true;
  });

  // Earlier messages, reaching back into the customer's past conversations:
  // after a reload the agent's last words are still on screen.
  var loadedEarlier = false;
  var loadingEarlier = false;
  function loadEarlier(auto) {
    if (loadingEarlier) return;
    loadingEarlier = true;
    loadedEarlier = true;
    var query = 'limit=30' + (oldest ? '&conversation_id=' + oldest.conv + '&before_seq=' + oldest.seq : '');
    var top = el.messages.scrollHeight;
    client.auth.token().then(function (token) {
      return fetch('/api/chat/earlier?' + query, { headers: { Authorization: 'Bearer ' + token } });
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (page) {
      loadingEarlier = false;
      if (!page) return;
      moreEarlier = page.more;
      page.messages.forEach(showMessage);
      showEarlierButton();
      el.messages.scrollTop = auto ? el.messages.scrollHeight : el.messages.scrollHeight - top;
    }, function () { loadingEarlier = false; });
  }

  el.earlier.addEventListener('click', function () { loadEarlier(false); });
  el.messages.addEventListener('scroll', function () {
    if (el.messages.scrollTop < 20 && !el.earlier.hidden) loadEarlier(false);
  });

  el.bannerRetry.addEventListener('click', function () {
    if (elsewhere) takeThisTab();
    else client.start();
  });

  // One tab per browser: a tab that starts tells the others, which step
  // aside and say so, instead of fighting over the same device's socket.
  var tabs = window.BroadcastChannel ? new BroadcastChannel('csbot-chat') : null;
  function takeThisTab() {
    elsewhere = false;
    showBanner('');
    if (tabs) tabs.postMessage({ type: 'active' });
    client.start();
  }
  if (tabs) {
    tabs.onmessage = function (ev) {
      if (!ev.data || ev.data.type !== 'active') return;
      elsewhere = true;
      client.close();
      showBanner(_('This chat is open in another tab or window.'), 'info', _('Use here'));
    };
  }

  // Suggested questions come from the knowledge base, in the reader's
  // language; each chip sends exactly the question it shows.
  function pageLanguage() {
    var tag = (document.body.getAttribute('data-language') || navigator.language || 'zh').toLowerCase();
    return tag.indexOf('zh') === 0 ? 'zh' : 'en';
  }

  // The greeting stands alone on an empty chat; the first message takes its place.
  var welcome = null;
  function showGreeting() {
    var empty = !el.list.querySelector('li.msg:not(.greeting)');
    var shown = el.list.querySelector('li.greeting');
    if (!empty || !welcome || !welcome.greeting) { if (shown) shown.parentNode.removeChild(shown); return; }
    if (shown) return;
    var li = makeBubble('bot', SENDER_NAMES.bot);
    li.classList.add('greeting');
    li.querySelector('.bubble').textContent = welcome.greeting;
    el.list.insertBefore(li, el.list.firstChild);
  }

  function showSuggestions(questions) {
    el.chips.textContent = '';
    questions.forEach(function (question) {
      var chip = document.createElement('button');
      chip.type = 'button';
      chip.className = 'chip';
      chip.textContent = question;
      chip.addEventListener('click', function () { sendText(question); });
      el.chips.appendChild(chip);
    });
  }

  fetch('/api/chat/welcome?lang=' + pageLanguage(), { credentials: 'same-origin' })
    .then(function (r) { return r.ok ? r.json() : { questions: [] }; })
    .then(function (w) { welcome = w; showSuggestions(w.questions || []); showGreeting(); }, function () {});

  // ---------------------------------------------------------- SDK events

  client.on('state', showState);
  client.on('pending', showPending);
  client.on('message', function (m) {
    if (client.state === 'offline') retryNow();  // a long poll got through: the server is back
    showMessage(m);
    if (m.sender !== 'customer' && document.visibilityState === 'visible') client.markRead(m.seq);
  });
  client.on('history', function () {});
  client.on('stream', showStream);
  client.on('status', showStatus);
  client.on('welcome', function (w) {
    if (w.conversation) showStatus({ conversation_id: w.conversation.id, status: w.conversation.status, agent_name: w.conversation.agent_name });
  });
  client.on('typing', function () {
    el.typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_SHOW_MS);
  });
  client.on('receipt', function (r) {
    Object.keys(bubbles).forEach(function (k) {
      var li = bubbles[k];
      if (li.classList.contains('mine') && li.getAttribute('data-conv') === String(lastConversation) &&
          Number(li.getAttribute('data-seq')) <= r.seq) {
        li.querySelector('.meta').textContent = _('Read');
      }
    });
  });
  client.on('rejected', function (r) {
    var li = bubbles['cm:' + r.client_msg_id];
    if (li) {
      li.classList.remove('pending');
      li.classList.add('failed');
      li.querySelector('.meta').textContent = _('Not sent');
      li.setAttribute('title', r.code);
    }
  });
  client.on('kick', function () {
    showBanner(_('Signed in on another device'), 'error', true);
  });
  client.on('transport', function (t) {
    if (t === 'poll') showBanner(_('Fallback mode (polling)'), 'info');
  });

  // Messages still in the outbox from an earlier visit are shown as pending.
  client.outbox.list().forEach(showPending);
  takeThisTab();
  window.csbotClient = client; // handy in the browser console
})();

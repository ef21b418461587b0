// kefu's chat widget: one script tag adds a launcher bubble and a chat panel
// to any page (docs/widget.md). It speaks /ws/widget (docs/protocol.md):
// hello with the tenant's public key and the contact token kept in local
// storage, messages with a client_id (their idempotency key) acknowledged
// once stored, resume from the last seq after a reconnect.
import { LANGS, pickLang } from './i18n.js';
import { renderText } from './text.js';
import { CSS } from './styles.js';

(() => {
  if (window.kefuWidget) return;  // one widget per page
  const script = document.currentScript || document.querySelector('script[data-public-key]');
  const ds = (script && script.dataset) || {};
  const publicKey = ds.publicKey;
  if (!publicKey) {
    console.error('kefu widget: the script tag needs data-public-key');
    return;
  }
  const base = new URL(ds.server || (script && script.src) || location.href, location.href);
  const origin = base.origin;
  const wsUrl = (base.protocol === 'https:' ? 'wss://' : 'ws://') + base.host + '/ws/widget';
  const lang = pickLang(ds.lang, navigator.language);
  const t = LANGS[lang];

  // Local storage, per tenant; a page that forbids it still chats (in memory).
  const memory = {};
  const store = {
    get(k) { try { return localStorage.getItem(k); } catch { return memory[k] ?? null; } },
    set(k, v) { try { localStorage.setItem(k, v); } catch { memory[k] = v; } },
    del(k) { try { localStorage.removeItem(k); } catch { delete memory[k]; } },
  };
  const K = { token: 'kefu:' + publicKey + ':token', conversation: 'kefu:' + publicKey + ':conversation',
    large: 'kefu:large' };

  // ---- the DOM, in a shadow root ----
  const el = (tag, attrs = {}, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === true) e.setAttribute(k, '');
      else if (v !== false && v != null) e.setAttribute(k, v);
    }
    if (text != null) e.textContent = text;
    return e;
  };
  const host = document.createElement('kefu-widget');
  const shadow = host.attachShadow({ mode: 'open' });
  const style = el('style', {}, CSS);
  const root = el('div', { class: 'root', lang });
  const launcher = el('button', { type: 'button', class: 'launcher', id: 'launcher', 'aria-label': t.open,
    'aria-expanded': 'false', 'aria-controls': 'panel' });
  launcher.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';
  const badge = el('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
  launcher.appendChild(badge);
  const panel = el('section', { class: 'panel', id: 'panel', role: 'dialog', 'aria-labelledby': 'title', hidden: true });
  const header = el('header');
  const titles = el('div', { class: 'titles' });
  titles.append(el('h2', { id: 'title' }, t.title));
  const state = el('span', { class: 'state', id: 'state', role: 'status' }, '');
  titles.append(state);
  const large = el('button', { type: 'button', id: 'large', 'aria-pressed': 'false', title: t.largeOn, 'aria-label': t.largeOn }, 'A+');
  const closeBtn = el('button', { type: 'button', id: 'close', 'aria-label': t.close, title: t.close }, '×');
  header.append(titles, large, closeBtn);
  const queueBox = el('div', { class: 'queue', id: 'queue', hidden: true, role: 'status' });
  const log = el('div', { class: 'log', id: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': t.log, tabindex: '0' });
  const typing = el('div', { class: 'typing', id: 'typing', hidden: true }, t.typing);
  const rate = el('div', { class: 'rate', id: 'rate', role: 'group', 'aria-labelledby': 'rate-label', hidden: true });
  const rateAsk = el('div', { id: 'rate-ask' });
  rateAsk.append(el('span', { id: 'rate-label' }, t.rateAsk + ' '));
  const stars = el('span', { class: 'stars' });
  for (let n = 1; n <= 5; n++) {
    stars.append(el('button', { type: 'button', 'data-rating': String(n), 'aria-label': t.star(n), 'aria-pressed': 'false' }, '★'));
  }
  rateAsk.append(stars);
  const rateDone = el('div', { id: 'rate-done', hidden: true });
  const rateThanks = el('p', { style: 'margin:0' }, t.rateDone);
  const comment = el('textarea', { id: 'comment', 'aria-label': t.comment, placeholder: t.comment, maxlength: '500' });
  const commentSend = el('button', { type: 'button', id: 'comment-send', class: 'small' }, t.commentSend);
  const commentDone = el('p', { id: 'comment-done', hidden: true, style: 'margin:0' }, t.commentDone);
  rateDone.append(rateThanks, comment, commentSend, commentDone);
  rate.append(rateAsk, rateDone);
  const tools = el('div', { class: 'tools' });
  const human = el('button', { type: 'button', id: 'human' }, t.human);
  tools.append(human);
  const form = el('form', { id: 'form' });
  const attach = el('button', { type: 'button', id: 'attach', class: 'icon', 'aria-label': t.attach, title: t.attach });
  attach.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 5h16a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm1 2v8.6l4-4 3 3 2-2 5 5V7H5zm10 1.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3z"/></svg>';
  const file = el('input', { type: 'file', id: 'file', accept: 'image/png,image/jpeg,image/gif,image/webp', hidden: true, tabindex: '-1' });
  const input = el('input', { type: 'text', id: 'text', autocomplete: 'off', dir: 'auto', maxlength: '4000',
    placeholder: t.placeholder, 'aria-label': t.placeholder });
  const sendBtn = el('button', { type: 'submit', class: 'send', id: 'send' }, t.send);
  form.append(attach, file, input, sendBtn);
  panel.append(header, queueBox, log, typing, rate, tools, form);
  root.append(panel, launcher);
  shadow.append(style, root);
  (document.body || document.documentElement).appendChild(host);

  // ---- events for the host page ----
  const emit = (name, detail) => window.dispatchEvent(new CustomEvent('kefu:' + name, { detail }));

  // ---- the panel ----
  let opened = false, unread = 0;
  function setLarge(on) {
    root.classList.toggle('large', on);
    large.setAttribute('aria-pressed', String(on));
    const label = on ? t.largeOff : t.largeOn;
    large.setAttribute('aria-label', label);
    large.title = label;
  }
  setLarge(store.get(K.large) === '1');
  large.addEventListener('click', () => {
    const on = !root.classList.contains('large');
    setLarge(on);
    store.set(K.large, on ? '1' : '0');
  });
  function open() {
    if (opened) return;
    opened = true;
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    unread = 0;
    badge.hidden = true;
    if (!ws) connect();
    input.focus();
    log.scrollTop = log.scrollHeight;
    emit('open', {});
  }
  function close() {
    if (!opened) return;
    opened = false;
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
    emit('close', {});
  }
  launcher.addEventListener('click', () => (opened ? close() : open()));
  closeBtn.addEventListener('click', close);
  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); close(); }
  });

  // ---- the transcript ----
  const atBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  function append(node) {
    const stick = atBottom() || node.classList.contains('contact');
    log.appendChild(node);
    if (stick) log.scrollTop = log.scrollHeight;
  }
  function note(text, cls = '') {
    append(el('div', { class: 'note ' + cls }, text));
  }
  function bubble(sender, text, attachments, opts = {}) {
    const m = el('div', { class: 'msg ' + sender + (opts.pending ? ' pending' : '') });
    if (opts.seq) m.dataset.seq = String(opts.seq);
    m.append(el('span', { class: 'who' }, (t[sender === 'contact' ? 'you' : sender] || sender) + ': '));
    if (text) {
      const body = el('span', { class: 'text', dir: 'auto' });
      renderText(body, text);
      m.append(body);
    }
    for (const a of attachments || []) m.append(attachment(a, opts.preview));
    if (sender === 'contact') {
      const tick = el('span', { class: 'tick' });
      m.append(tick);
      setTick(m, opts.pending ? 'sending' : 'stored');
    }
    append(m);
    return m;
  }
  function setTick(m, what) {
    const tick = m.querySelector('.tick');
    if (!tick) return;
    m.classList.toggle('pending', what === 'sending');
    m.classList.toggle('failed', what === 'failed');
    m.dataset.state = what;
    tick.textContent = what === 'stored' ? '✓' : what === 'failed' ? '!' : '…';
    tick.setAttribute('aria-label', t[what]);
    tick.title = t[what];
  }
  // An upload shown from the server (its bytes need the widget's headers, so
  // they are fetched, not linked), or the local file just sent.
  function attachment(id, preview) {
    const img = el('img', { alt: t.image, 'data-upload': String(id) });
    // Loading makes the message taller: keep the newest one in view.
    img.addEventListener('load', () => {
      if (log.lastElementChild && log.lastElementChild.contains(img)) log.scrollTop = log.scrollHeight;
    });
    if (preview) {
      img.src = preview;
      return img;
    }
    fetch(origin + '/api/v1/uploads/' + encodeURIComponent(id), { headers: widgetHeaders() })
      .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(String(r.status)))))
      .then((b) => {
        if (b.type.startsWith('image/')) img.src = URL.createObjectURL(b);
        else {
          const a = el('a', { href: URL.createObjectURL(b), download: 'attachment-' + id, rel: 'noopener noreferrer' }, t.image + ' ' + id);
          img.replaceWith(a);
        }
      })
      .catch(() => { img.alt = t.image + ' ' + id; });
    return img;
  }
  // Quick replies: buttons under a bot message that send their text; only
  // the newest message's stay, and sending anything removes them.
  let quick = null;
  function showQuick(options) {
    clearQuick();
    const list = (options || []).map((o) => (typeof o === 'string' ? { text: o } : o))
      .filter((o) => o && typeof o.text === 'string' && o.text);
    if (!list.length) return;
    quick = el('div', { class: 'quick', role: 'group' });
    for (const o of list.slice(0, 8)) {
      const b = el('button', { type: 'button', class: 'quick-reply', dir: 'auto' }, o.label || o.text);
      b.addEventListener('click', () => sendText(o.text));
      quick.append(b);
    }
    append(quick);
  }
  function clearQuick() {
    if (quick) quick.remove();
    quick = null;
  }

  // ---- status, queue, typing, rating ----
  let status = '', rating = 0;
  const STATUS = { bot: t.online, pending: t.online, queued: t.queued, assigned: t.assigned, resolved: t.resolved };
  function setStatus(s, live) {
    const before = status;
    status = s;
    state.dataset.status = s;
    state.textContent = STATUS[s] || t.online;
    if (s !== 'queued') queueBox.hidden = true;
    if (live && s === 'assigned' && before !== 'assigned') note(t.agentJoined, 'joined');
    if (live && s === 'bot' && (before === 'queued' || before === 'assigned')) note(t.backToBot);
    human.hidden = s === 'queued' || s === 'assigned';
    rate.hidden = s !== 'resolved';
    if (s === 'resolved' && before !== 'resolved') {
      rating = 0;
      rateAsk.hidden = false;
      rateDone.hidden = true;
      for (const b of stars.children) b.setAttribute('aria-pressed', 'false');
    }
    if (before !== s) emit('status', { status: s });
  }
  function showQueue(f) {
    let q = t.place(f.position);
    if (f.estimated_wait_s != null) q += ' · ' + t.wait(Math.max(1, Math.round(f.estimated_wait_s / 60)));
    queueBox.textContent = q;
    queueBox.dataset.position = String(f.position);
    queueBox.hidden = false;
    emit('queue', { position: f.position, estimated_wait_s: f.estimated_wait_s ?? null });
  }
  let typingTimer = 0;
  function showTyping(on) {
    clearTimeout(typingTimer);
    typing.hidden = !on;
    if (on) typingTimer = setTimeout(() => { typing.hidden = true; }, 8000);
  }
  for (const b of stars.children) {
    b.addEventListener('click', () => {
      rating = Number(b.dataset.rating);
      for (const s of stars.children) s.setAttribute('aria-pressed', String(s === b));
      send({ type: 'rate', rating });
    });
  }
  commentSend.addEventListener('click', () => {
    const c = comment.value.trim();
    if (!c || !rating) return;
    send({ type: 'rate', rating, comment: c });
    commentDone.dataset.pending = '1';
  });

  // ---- the connection ----
  let ws = null, welcomed = false, attempt = 0, retryTimer = 0;
  let conversation = Number(store.get(K.conversation)) || 0;
  let lastSeq = 0;                // the highest seq shown: a reload replays from 0
  const unacked = new Map();      // client_id → {frame, el}, in the order typed
  const delivered = new Set();    // client_ids stored (a replay of one is not shown twice)
  const live = () => ws && ws.readyState === 1 && welcomed;
  function send(frame) {
    if (!live()) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }
  function widgetHeaders() {
    const h = { 'X-Kefu-Public-Key': publicKey };
    const token = store.get(K.token);
    if (token) h['X-Kefu-Contact-Token'] = token;
    return h;
  }
  function connect() {
    clearTimeout(retryTimer);
    welcomed = false;
    if (!status) state.textContent = t.connecting;
    let sock;
    try { sock = new WebSocket(wsUrl); } catch { scheduleReconnect(); return; }
    ws = sock;
    sock.onopen = () => {
      const hello = { type: 'hello', public_key: publicKey, language: lang };
      const token = store.get(K.token);
      if (token) hello.contact_token = token;
      if (token && conversation) hello.resume = { conversation, after_seq: lastSeq };
      sock.send(JSON.stringify(hello));
    };
    sock.onmessage = (ev) => {
      let f;
      try { f = JSON.parse(ev.data); } catch { return; }
      if (sock === ws) onFrame(f);
    };
    sock.onclose = () => {
      if (sock !== ws) return;
      welcomed = false;
      state.textContent = t.reconnecting;
      state.dataset.connection = 'lost';
      scheduleReconnect();
    };
  }
  // Back-off: 0.5 s doubling to 15 s, with jitter so a restarted server is
  // not met by every browser at once; at once when the browser comes online.
  function scheduleReconnect() {
    clearTimeout(retryTimer);
    const delay = Math.min(15000, 500 * 2 ** Math.min(attempt, 5)) * (0.75 + Math.random() / 2);
    attempt++;
    retryTimer = setTimeout(connect, delay);
  }
  window.addEventListener('online', () => { if (ws && !live()) { ws.onclose = null; ws.close(); connect(); } });

  function onFrame(f) {
    switch (f.type) {
      case 'welcome': {
        welcomed = true;
        attempt = 0;
        delete state.dataset.connection;
        if (f.contact_token) store.set(K.token, f.contact_token);
        if (f.conversation.id !== conversation) {
          // Another conversation: all it sends is new here.
          conversation = f.conversation.id;
          lastSeq = 0;
          store.set(K.conversation, String(conversation));
        }
        setStatus(f.conversation.status, false);
        // What was typed offline or not acknowledged goes (again) with its
        // client_id: a copy stored before the break comes back as a duplicate.
        for (const m of unacked.values()) ws.send(JSON.stringify(m.frame));
        emit('ready', { conversation });
        break;
      }
      case 'ack': {
        const m = unacked.get(f.client_id);
        if (m) {
          unacked.delete(f.client_id);
          delivered.add(f.client_id);
          setTick(m.el, 'stored');
          m.el.dataset.seq = String(f.seq);
        }
        if (f.seq > lastSeq) lastSeq = f.seq;
        break;
      }
      case 'message': {
        if (f.seq <= lastSeq) return;
        lastSeq = f.seq;
        if (f.client_id && unacked.has(f.client_id)) {  // our own, stored before a break
          const m = unacked.get(f.client_id);
          unacked.delete(f.client_id);
          delivered.add(f.client_id);
          setTick(m.el, 'stored');
          m.el.dataset.seq = String(f.seq);
          return;
        }
        if (f.client_id && delivered.has(f.client_id)) return;
        if (f.sender !== 'contact') showTyping(false);
        bubble(f.sender, f.text, f.attachments, { seq: f.seq });
        if (f.sender === 'bot' && Array.isArray(f.quick_replies)) showQuick(f.quick_replies);
        else if (f.sender !== 'bot') clearQuick();
        if (!opened && f.sender !== 'contact') {
          unread++;
          badge.textContent = String(unread);
          badge.hidden = false;
        }
        emit('message', { seq: f.seq, sender: f.sender, text: f.text });
        break;
      }
      case 'status':
        setStatus(f.status, true);
        break;
      case 'queue':
        if (status !== 'queued') setStatus('queued', true);
        showQueue(f);
        break;
      case 'typing':
        if (f.sender !== 'contact') showTyping(!!f.on);
        break;
      case 'rated':
        rateAsk.hidden = true;
        rateDone.hidden = false;
        if (commentDone.dataset.pending) {
          delete commentDone.dataset.pending;
          comment.hidden = true;
          commentSend.hidden = true;
          commentDone.hidden = false;
        }
        break;
      case 'error':
        if (f.code === 'busy' && f.client_id && unacked.has(f.client_id)) {
          const frame = unacked.get(f.client_id).frame;
          setTimeout(() => { if (unacked.has(frame.client_id)) send(frame); }, f.retry_after_ms || 1000);
        } else if (f.client_id && unacked.has(f.client_id)) {
          setTick(unacked.get(f.client_id).el, 'failed');
          unacked.delete(f.client_id);
        } else if (f.code === 'unauthenticated' || f.code === 'not_found') {
          // The stored contact or conversation is gone: start afresh.
          store.del(K.token);
          store.del(K.conversation);
          conversation = 0;
          lastSeq = 0;
          ws.close();
        }
        break;
      default:
        break;
    }
  }

  // ---- sending ----
  let typingSent = false, typingOff = 0;
  function typingOn() {
    clearTimeout(typingOff);
    if (!typingSent && send({ type: 'typing', on: true })) typingSent = true;
    typingOff = setTimeout(stopTyping, 3000);
  }
  function stopTyping() {
    clearTimeout(typingOff);
    if (typingSent) send({ type: 'typing', on: false });
    typingSent = false;
  }
  function newId() {
    return 'w-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10);
  }
  function sendMessage(text, attachments, preview) {
    const frame = { type: 'message', client_id: newId(), text };
    if (attachments) frame.attachments = attachments;
    clearQuick();
    const m = bubble('contact', text, attachments, { pending: true, preview });
    unacked.set(frame.client_id, { frame, el: m });
    send(frame);  // offline: kept, sent after the next welcome
    if (!ws) connect();
  }
  function sendText(text) {
    text = String(text || '').trim();
    if (text) sendMessage(text);
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    stopTyping();
    sendText(text);
  });
  input.addEventListener('input', () => (input.value ? typingOn() : stopTyping()));
  human.addEventListener('click', () => sendText(t.humanText));
  attach.addEventListener('click', () => file.click());
  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    file.value = '';
    if (!f) return;
    try {
      const r = await fetch(origin + '/api/v1/uploads', { method: 'POST', headers: widgetHeaders(), body: f });
      const body = await r.json().catch(() => ({}));
      if (r.status !== 201) throw new Error((body.error && body.error.message) || String(r.status));
      sendMessage('', [body.id], URL.createObjectURL(f));
    } catch (err) {
      note(t.uploadFailed + err.message, 'error');
    }
  });

  // A returning visitor's chat connects at once (an agent's answer shows on
  // the launcher); a new visitor's when the panel first opens.
  if (conversation && store.get(K.token)) connect();
  if (ds.open === 'true') open();

  window.kefuWidget = {
    open, close,
    toggle: () => (opened ? close() : open()),
    send: sendText,
    get conversation() { return conversation; },
    get lang() { return lang; },
    get status() { return status; },
  };
})();

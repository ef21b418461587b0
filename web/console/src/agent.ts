// The agent's WebSocket (/ws/agent): one reactive store of the agent's chats,
// reconnecting with back-off; replies stay pending until their ack and are
// resent with the same client_id after a reconnect.
import { reactive } from 'vue';
import { api, type User } from './api';

export interface Message {
  seq: number; sender: 'contact' | 'bot' | 'agent' | 'system'; text: string;
  created_at: number; client_id?: string;
  payload?: { nlu?: { intent?: string } } | null;
}
export interface Summary {
  reason?: string; intent?: string; emotion?: { label?: string; intensity?: number };
  language?: string; slots?: Record<string, unknown>; customer_said?: string[]; bot_turns?: number;
  // The last transfer of the chat, with its note for whoever receives it.
  transfer?: { from_agent?: number; to_agent?: number; to_queue?: string; note?: string; at?: number };
}
export interface Contact {
  id: number; name?: string; language?: string; external_id?: string;
  tier?: string | null; attributes?: Record<string, unknown>;
}
// Whom a chat can be transferred to (the server's `transfer_targets`).
export interface TransferTargets { agents: { id: number; name: string; presence: Presence }[]; queues: string[] }
export interface Suggestion {
  kind: 'faq' | 'article'; id: string; title: string; text: string; confidence: number; locked: boolean;
}
// Agent assist for the customer's latest message (the server's `suggest`).
export interface Suggest {
  seq: number; language?: string; intent?: { name: string; confidence: number } | null;
  out_of_scope?: boolean; emotion?: { label?: string; intensity?: number };
  entities?: { name: string; value: string; text: string }[]; suggestions: Suggestion[];
}
// An internal note: staff only, never shown to the customer.
export interface Note { id: number; conversation: number; author_id: number; author: string; text: string; created_at: number }
export interface Chat {
  conversation: { id: number; status: string; last_seq?: number; assignee_id?: number | null };
  summary: Summary; contact: Contact; messages: Message[]; notes: Note[]; unread: boolean;
  suggest: Suggest | null;
  // A supervisor joined it from the monitor (not assigned to them).
  watching?: boolean;
}
export interface Pending { client_id: string; conversation: number; text: string; failed?: string }
export type Presence = 'online' | 'away' | 'offline';

export const state = reactive({
  user: null as User | null,
  connection: 'connecting' as 'connecting' | 'open' | 'closed',
  presence: 'offline' as Presence,
  waiting: 0,
  chats: [] as Chat[],
  selected: 0,
  pending: [] as Pending[],
  // Notes sent and not yet stored (a failed one keeps its reason).
  pendingNotes: [] as Pending[],
  notice: '',
  targets: null as TransferTargets | null,
});
// Chats a supervisor joined: joined again after a reconnect.
const watched = new Set<number>();

let ws: WebSocket | null = null;
let backoff = 500;
let stopped = true;
let wanted: Presence | null = null;
let pingTimer = 0;
let retryTimer = 0;
let waitingTimer = 0;

function send(frame: object): boolean {
  if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(frame)); return true; }
  return false;
}

export function chatOf(id: number): Chat | undefined {
  return state.chats.find((c) => c.conversation.id === id);
}

function addMessage(chat: Chat, m: Message) {
  if (chat.messages.some((x) => x.seq === m.seq)) return;
  let i = chat.messages.length;
  while (i > 0 && chat.messages[i - 1].seq > m.seq) i--;
  chat.messages.splice(i, 0, m);
}

function normalise(raw: Partial<Chat>): Chat {
  return {
    conversation: raw.conversation ?? { id: 0, status: 'assigned' },
    summary: raw.summary ?? {},
    contact: raw.contact ?? { id: 0 },
    messages: [...(raw.messages ?? [])].sort((a, b) => a.seq - b.seq),
    notes: [...(raw.notes ?? [])],
    unread: false,
    suggest: raw.suggest ?? null,
  };
}

async function refreshWaiting() {
  try { state.waiting = (await api.queued()).conversations.length; } catch { /* keep the last count */ }
}

function onFrame(f: Record<string, any>) {
  switch (f.type) {
    case 'welcome': {
      backoff = 500;
      state.user = f.user;
      state.presence = f.presence;
      state.waiting = f.waiting ?? 0;
      const old = new Map(state.chats.map((c) => [c.conversation.id, c.unread]));
      state.chats = (f.chats ?? []).map((c: Partial<Chat>) => {
        const chat = normalise(c);
        chat.unread = old.get(chat.conversation.id) ?? false;
        return chat;
      });
      if (wanted && wanted !== f.presence) send({ type: 'presence', status: wanted });
      for (const id of watched) send({ type: 'watch', conversation: id });
      for (const p of state.pending) {
        if (!p.failed) send({ type: 'message', conversation: p.conversation, client_id: p.client_id, text: p.text });
      }
      break;
    }
    case 'presence': state.presence = f.status; break;
    case 'waiting': state.waiting = f.count ?? 0; break;
    case 'watching': {
      const chat = normalise(f);
      chat.watching = true;
      const i = state.chats.findIndex((c) => c.conversation.id === chat.conversation.id);
      if (i >= 0) {
        if (!state.chats[i].watching) break;  // one's own chat: nothing to join
        state.chats.splice(i, 1, chat);
      } else {
        state.chats.push(chat);
      }
      state.selected = chat.conversation.id;
      break;
    }
    case 'unwatched': {
      watched.delete(f.conversation);
      state.chats = state.chats.filter((c) => !(c.watching && c.conversation.id === f.conversation));
      if (state.selected === f.conversation) state.selected = state.chats[0]?.conversation.id ?? 0;
      break;
    }
    case 'note': {
      const chat = chatOf(f.conversation);
      if (!chat || !f.note || chat.notes.some((n) => n.id === f.note.id)) break;
      chat.notes.push(f.note as Note);
      break;
    }
    case 'note_ack': {
      const i = state.pendingNotes.findIndex((n) => n.client_id === f.client_id);
      if (i >= 0) state.pendingNotes.splice(i, 1);
      break;
    }
    case 'assigned': {
      const chat = normalise(f);
      watched.delete(chat.conversation.id);
      const i = state.chats.findIndex((c) => c.conversation.id === chat.conversation.id);
      chat.unread = chat.conversation.id !== state.selected;
      if (i >= 0) state.chats.splice(i, 1, chat); else state.chats.unshift(chat);
      if (!state.selected) state.selected = chat.conversation.id;
      void refreshWaiting();
      break;
    }
    case 'message': {
      const chat = chatOf(f.conversation);
      if (!chat) break;
      addMessage(chat, f as Message);
      if (f.conversation !== state.selected || document.hidden) chat.unread = true;
      break;
    }
    case 'suggest': {
      const chat = chatOf(f.conversation);
      if (chat && (!chat.suggest || chat.suggest.seq <= f.seq)) chat.suggest = f as unknown as Suggest;
      break;
    }
    case 'ack': {
      const i = state.pending.findIndex((p) => p.client_id === f.client_id);
      if (i < 0) break;
      const p = state.pending[i];
      state.pending.splice(i, 1);
      const chat = chatOf(p.conversation);
      if (chat) addMessage(chat, { seq: f.seq, sender: 'agent', text: p.text, created_at: Date.now(), client_id: p.client_id });
      break;
    }
    case 'status': {
      const chat = chatOf(f.conversation);
      if (chat) chat.conversation.status = f.status;
      break;
    }
    case 'unassigned': {
      state.chats = state.chats.filter((c) => c.conversation.id !== f.conversation);
      state.pending = state.pending.filter((p) => p.conversation !== f.conversation);
      if (state.selected === f.conversation) state.selected = state.chats[0]?.conversation.id ?? 0;
      void refreshWaiting();
      break;
    }
    case 'transfer_targets': state.targets = { agents: f.agents ?? [], queues: f.queues ?? [] }; break;
    case 'transferred': break;  // its `unassigned` follows
    case 'error': {
      const p = f.client_id ? state.pending.find((x) => x.client_id === f.client_id) : undefined;
      const n = f.client_id ? state.pendingNotes.find((x) => x.client_id === f.client_id) : undefined;
      if (n) n.failed = f.message || f.code;
      else if (p && f.code !== 'busy') p.failed = f.message || f.code;
      else if (!p) state.notice = f.message || f.code;
      break;
    }
  }
}

function connect() {
  state.connection = 'connecting';
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const sock = new WebSocket(proto + '//' + location.host + '/ws/agent');
  ws = sock;
  sock.onopen = () => { state.connection = 'open'; };
  sock.onmessage = (ev) => {
    let f: unknown;
    try { f = JSON.parse(String(ev.data)); } catch { return; }
    if (f && typeof f === 'object') onFrame(f as Record<string, unknown>);
  };
  sock.onclose = async () => {
    if (ws !== sock) return;
    ws = null;
    state.connection = 'closed';
    if (stopped) return;
    // A refused upgrade looks like any other close: ask whether the session is still good.
    try { await api.me(); } catch (e) {
      if ((e as { status?: number }).status === 401) { onSignedOut?.(); return; }
    }
    const delay = backoff + Math.random() * backoff * 0.3;
    backoff = Math.min(backoff * 2, 15000);
    retryTimer = window.setTimeout(() => { if (!stopped) connect(); }, delay);
  };
}

let onSignedOut: (() => void) | null = null;

export function start(signedOut: () => void) {
  onSignedOut = signedOut;
  if (!stopped) return;
  stopped = false;
  backoff = 500;
  connect();
  pingTimer = window.setInterval(() => send({ type: 'ping' }), 25000);
  waitingTimer = window.setInterval(refreshWaiting, 15000);
}

export function stop() {
  stopped = true;
  clearInterval(pingTimer); clearInterval(waitingTimer); clearTimeout(retryTimer);
  ws?.close(1000);
  ws = null;
  Object.assign(state, { user: null, chats: [], pending: [], pendingNotes: [], selected: 0, presence: 'offline', waiting: 0, notice: '' });
  watched.clear();
  wanted = null;
}

export function setPresence(p: Presence) {
  wanted = p;
  send({ type: 'presence', status: p });
}

export function reply(conversation: number, text: string) {
  const client_id = 'a-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10);
  state.pending.push({ client_id, conversation, text });
  send({ type: 'message', conversation, client_id, text });
}

export function retry(p: Pending) {
  p.failed = undefined;
  send({ type: 'message', conversation: p.conversation, client_id: p.client_id, text: p.text });
}

export function resolve(conversation: number) { send({ type: 'resolve', conversation }); }
// Waiting on the customer or a third party: still the agent's, not counted against capacity.
export function setPending(conversation: number) { send({ type: 'pending', conversation }); }
export function note(conversation: number, text: string) {
  const client_id = 'n-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10);
  state.pendingNotes.push({ client_id, conversation, text });
  send({ type: 'note', conversation, client_id, text });
}
// A supervisor joins a live chat of another agent (or leaves it).
export function watch(conversation: number) {
  watched.add(conversation);
  if (chatOf(conversation)) { state.selected = conversation; return; }
  send({ type: 'watch', conversation });
}
export function unwatch(conversation: number) {
  watched.delete(conversation);
  send({ type: 'unwatch', conversation });
}
export function returnToBot(conversation: number) { send({ type: 'return_to_bot', conversation }); }
export function askTransferTargets() { state.targets = null; send({ type: 'transfer_targets' }); }
// To an agent (a user id) or a queue (its name), with a note for the receiver.
export function transfer(conversation: number, to: { agent?: number; queue?: string }, note: string) {
  send(to.agent != null ? { type: 'transfer', conversation, to_agent: to.agent, note }
    : { type: 'transfer', conversation, to_queue: to.queue, note });
}

export async function loadEarlier(chat: Chat) {
  const first = chat.messages[0]?.seq ?? (chat.conversation.last_seq ?? 0) + 1;
  if (first <= 1) return;
  const after = Math.max(0, first - 1 - 100);
  const r = await api.messages(chat.conversation.id, after, first - 1 - after);
  for (const m of r.messages) addMessage(chat, m);
}

export interface User { id: number; name: string; email: string; role: string; tenant_id?: number }

export interface FaqEntry {
  id: string; tags: string[]; locked: boolean; questions: Record<string, string[]>;
  answer: Record<string, string>; edited: boolean; updated_at?: number; updated_by?: string;
}

export interface Canned {
  id: number; shortcut: string; title: string; text: string; language: string;
  created_at: number; updated_at: number;
}
// GET /api/v1/stats (docs/protocol.md, "Numbers"): times are seconds, rates 0–1 or null.
export interface Timing { count: number; p50: number | null; p90: number | null; avg: number | null }
export interface DayNumbers {
  date?: string; conversations: number; bot_only: number; handed_over: number;
  automation_rate: number | null; handoff_rate: number | null; handoff_by_reason: Record<string, number>;
  resolved: number; first_contact_resolution: number; first_contact_resolution_rate: number | null;
  first_response_s: Timing; resolution_s: Timing; waiting_s: Timing;
  csat: { count: number; avg: number | null; distribution: number[] };
}
export interface Stats { from: string; to: string; tz: string; days: DayNumbers[]; totals: DayNumbers }

// GET /api/v1/contacts/{id}/conversations: the customer panel.
export interface LastMessage { seq: number; sender: string; text: string; created_at: number }
export interface PastConversation {
  id: number; channel: string; status: string; created_at: number; updated_at: number;
  resolved_at: number | null; last_message: LastMessage | null;
}
export interface ContactProfile { id: number; name: string; external_id: string; language: string; created_at: number;
  email?: string; phone?: string; attributes?: Record<string, unknown> }
// GET /api/v1/monitor: the supervisor's view.
export interface Monitor {
  waiting: { conversation: number; position: number; since: number; waited_s: number; reason: string;
    language: string; contact_id: number; last_message: LastMessage | null }[];
  agents: { id: number; name: string; email: string; role: string; presence: string; chats: number;
    pending: number; capacity: number }[];
  chats: { conversation: number; status: string; contact_id: number; assignee_id: number | null; assignee: string;
    language: string; updated_at: number; last_message: LastMessage | null }[];
  server_time: number;
}

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) { super(message); }
}

async function call<T>(method: string, path: string, body?: unknown, csv?: string): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: csv !== undefined ? { 'Content-Type': 'text/csv' } : body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: csv !== undefined ? csv : body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  let data: unknown = null;
  try { data = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_' + res.status, err?.message ?? res.statusText);
  }
  return data as T;
}

export const api = {
  login: (email: string, password: string) =>
    call<{ user: User }>('POST', '/api/v1/login', { email, password }),
  me: () => call<{ user: User }>('GET', '/api/v1/me'),
  logout: () => call<void>('POST', '/api/v1/logout'),
  messages: (conversation: number, afterSeq: number, limit: number) =>
    call<{ messages: import('./agent').Message[] }>('GET',
      `/api/v1/conversations/${conversation}/messages?after_seq=${afterSeq}&limit=${limit}`),
  canned: () => call<{ canned_responses: Canned[] }>('GET', '/api/v1/canned-responses'),
  addCanned: (c: { shortcut: string; title: string; text: string }) =>
    call<{ canned_response: Canned }>('POST', '/api/v1/canned-responses', c),
  deleteCanned: (id: number) => call<void>('DELETE', '/api/v1/canned-responses/' + id),
  faq: () => call<{ faq: FaqEntry[] }>('GET', '/api/v1/faq'),
  editFaq: (id: string, answer: Record<string, string>) =>
    call<{ edited: number; faq: FaqEntry[] }>('PUT', '/api/v1/faq/' + encodeURIComponent(id), { answer }),
  importFaq: (csv: string) => call<{ edited: number; faq: FaqEntry[] }>('POST', '/api/v1/faq/import', undefined, csv),
  stats: (params: { from?: string; to?: string; tz?: string }) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
    return call<Stats>('GET', '/api/v1/stats' + (q.toString() ? '?' + q.toString() : ''));
  },
  notes: (conversation: number) =>
    call<{ notes: import('./agent').Note[] }>('GET', `/api/v1/conversations/${conversation}/notes`),
  contactConversations: (contact: number) =>
    call<{ contact: ContactProfile; conversations: PastConversation[] }>('GET', `/api/v1/contacts/${contact}/conversations`),
  monitor: () => call<Monitor>('GET', '/api/v1/monitor'),
  takeover: () => call<{ enabled: boolean }>('GET', '/api/v1/takeover'),
  setTakeover: (enabled: boolean) => call<{ enabled: boolean }>('PUT', '/api/v1/takeover', { enabled }),
  queued: () => call<{ conversations: unknown[] }>('GET', '/api/v1/conversations?status=queued&limit=100'),
};

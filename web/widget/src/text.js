// Message text into DOM nodes. Text is data: it becomes text nodes only
// (never innerHTML); http(s) URLs, and nothing else, become links that open
// in a new tab without access to this page.

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Closing punctuation that usually ends a sentence, not the URL.
const TRAILING = /[.,;:!?)\]}，。；：！？）」』】]+$/;

export function safeHref(raw) {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

export function renderText(parent, text) {
  let last = 0;
  for (const m of String(text).matchAll(URL_RE)) {
    let url = m[0];
    const trail = url.match(TRAILING);
    if (trail) url = url.slice(0, -trail[0].length);
    const href = safeHref(url);
    if (!href) continue;
    if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
    const a = document.createElement('a');
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = url;
    parent.appendChild(a);
    last = m.index + url.length;
  }
  if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
}

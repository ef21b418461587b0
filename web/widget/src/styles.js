// The widget's styles, inside its shadow root: the host page's rules cannot
// reach these elements, and `:host` declarations marked !important win over
// the page's own !important rules for the host element (the inner context
// wins for important declarations), so `kefu-widget { display:none
// !important }` or a page-wide `transform` cannot hide or move it either.
export const CSS = `
:host { all: initial !important; display: block !important; position: fixed !important;
  right: 0 !important; bottom: 0 !important; width: 0 !important; height: 0 !important;
  z-index: 2147483000 !important; visibility: visible !important; opacity: 1 !important;
  transform: none !important; filter: none !important; contain: none !important; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.root { font: 14px/1.45 system-ui, -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
  color: #1f2328; --accent: #1f6feb; }
.root.large { font-size: 19px; }
button { font: inherit; cursor: pointer; }
button:focus-visible, input:focus-visible, textarea:focus-visible, a:focus-visible { outline: 3px solid #f4b400; outline-offset: 1px; }
.launcher { position: fixed; right: 24px; bottom: 24px; width: 60px; height: 60px; border-radius: 50%;
  border: 0; background: var(--accent); color: #fff; box-shadow: 0 4px 16px rgba(0,0,0,.25);
  display: flex; align-items: center; justify-content: center; padding: 0; }
.launcher svg { width: 30px; height: 30px; fill: currentColor; }
.badge { position: absolute; top: -2px; right: -2px; min-width: 20px; height: 20px; border-radius: 10px;
  background: #d1242f; color: #fff; font-size: 12px; line-height: 20px; padding: 0 5px; }
.panel { position: fixed; right: 24px; bottom: 96px; width: 360px; max-width: calc(100vw - 16px);
  height: 540px; max-height: calc(100vh - 112px); background: #fff; border-radius: 14px;
  box-shadow: 0 8px 32px rgba(0,0,0,.22); display: flex; flex-direction: column; overflow: hidden; }
.root.large .panel { width: 420px; height: 620px; }
@media (max-width: 480px) { .panel { right: 8px; bottom: 88px; height: calc(100vh - 100px); } }
header { background: var(--accent); color: #fff; padding: 10px 12px; display: flex; align-items: center; gap: 8px; }
header .titles { flex: 1; min-width: 0; }
h2 { margin: 0; font-size: 1.07em; font-weight: 600; }
.state { font-size: .86em; opacity: .9; display: block; }
header button { background: rgba(255,255,255,.15); color: #fff; border: 0; border-radius: 6px; padding: 4px 8px; }
header button[aria-pressed="true"] { background: #fff; color: var(--accent); }
.queue { background: #fff8e1; color: #5c4400; padding: 6px 12px; font-size: .93em; border-bottom: 1px solid #f0e0a0; }
.log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; background: #f6f8fa; }
.msg { max-width: 82%; padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; word-break: break-word;
  align-self: flex-start; background: #fff; border: 1px solid #e3e6ea; }
.msg.contact { align-self: flex-end; background: var(--accent); color: #fff; border-color: var(--accent); }
.msg.agent { border-color: #8ab4f8; }
.msg a { color: inherit; text-decoration: underline; }
.msg.pending { opacity: .65; }
.msg.failed { background: #ffebe9; color: #82071e; border-color: #ff8182; }
.msg img { display: block; max-width: 100%; max-height: 240px; border-radius: 8px; margin-top: 4px; }
.msg .who { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.tick { font-size: .78em; opacity: .85; margin-left: 6px; white-space: nowrap; }
.note { align-self: center; font-size: .86em; color: #57606a; text-align: center; }
.note.error { color: #82071e; }
.quick { display: flex; flex-wrap: wrap; gap: 6px; align-self: flex-start; max-width: 90%; }
.quick button { background: #fff; color: var(--accent); border: 1px solid var(--accent); border-radius: 16px; padding: 4px 12px; }
.typing { padding: 2px 14px; font-size: .86em; color: #57606a; background: #f6f8fa; }
.rate { border-top: 1px solid #e5e7eb; padding: 8px 12px; font-size: .93em; }
.stars button { background: none; border: 0; color: #c9a227; font-size: 1.7em; padding: 0 3px; border-radius: 4px; line-height: 1; }
.stars button:hover, .stars button[aria-pressed="true"] { background: #fff6d6; }
.rate textarea { width: 100%; font: inherit; margin: 6px 0; min-height: 3em; border: 1px solid #d0d7de; border-radius: 6px; padding: 6px; }
.rate .small { background: var(--accent); color: #fff; border: 0; border-radius: 6px; padding: 4px 10px; }
.tools { display: flex; gap: 6px; padding: 6px 10px 0; border-top: 1px solid #e5e7eb; }
.tools button { background: #eef1f5; color: #1f2328; border: 0; border-radius: 14px; padding: 3px 10px; font-size: .9em; }
form { display: flex; align-items: center; gap: 6px; padding: 8px 10px 10px; margin: 0; }
form input[type=text] { flex: 1; min-width: 0; border: 1px solid #d0d7de; border-radius: 18px; padding: 8px 12px; font: inherit; }
form .icon { background: none; border: 0; padding: 2px; color: #57606a; display: flex; }
form .icon svg { width: 1.7em; height: 1.7em; fill: currentColor; }
form .send { background: var(--accent); color: #fff; border: 0; border-radius: 18px; padding: 8px 14px; }
`;

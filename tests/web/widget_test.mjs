// End to end: the chat widget (web/widget, one script tag on the demo shop
// page) against the real server with the demo shop's bot, in headless
// Chromium; the agent console takes the handed-over chat. Every wait is bounded.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'web/console/package.json'));
const { chromium } = require('playwright-core');

const binary = process.env.KEFU_BINARY || path.join(root, 'build/kefu');
const artifacts = path.join(process.env.KEFU_WEB_ARTIFACTS || path.join(root, 'build/web-artifacts'), 'widget');
const consoleDist = path.join(root, 'web/console/dist');
const widgetJs = path.join(root, 'web/widget/dist/widget.js');
const started = Date.now();
const TIMEOUT = 20000;

function fail(msg) { throw new Error(msg); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, ms = TIMEOUT) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) fail('timed out waiting for ' + what);
    await sleep(100);
  }
}

// A 48×48 PNG, drawn here (no fixture file).
function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3);
    for (let x = 0; x < w; x++) { row[1 + x * 3] = 240; row[2 + x * 3] = (x * 5) & 255; row[3 + x * 3] = (y * 5) & 255; }
    rows.push(row);
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

let server, browser, dataDir, failed = false, output = '';
const pages = [];  // screenshot on failure
function startServer(port) {
  const portFile = path.join(dataDir, 'port');
  fs.rmSync(portFile, { force: true });
  const s = spawn(binary, ['serve', '--data-dir', dataDir, '--port', String(port), '--port-file', portFile, '--demo',
    '--bot', path.join(root, 'examples/shop'), '--demo-orders', '--static-dir', path.join(root, 'web/demo'),
    '--console-dir', consoleDist], { stdio: ['ignore', 'pipe', 'pipe'] });
  s.stdout.on('data', (d) => { output += d; });
  s.stderr.on('data', (d) => { output += d; });
  s.on('exit', (code) => { if (code !== null && !failed && s === server) output += `\n[server exited ${code}]`; });
  return s;
}
async function stopServer() {
  const s = server;
  s.kill('SIGTERM');
  await Promise.race([new Promise((r) => s.once('exit', r)), sleep(10000)]);
  if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
}

try {
  if (!fs.existsSync(path.join(consoleDist, 'index.html'))) fail('web/console/dist is not built (npm run build)');
  if (!fs.existsSync(widgetJs)) fail('web/widget/dist/widget.js is not built (npm run build in web/widget)');
  fs.mkdirSync(artifacts, { recursive: true });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-widget-'));
  const portFile = path.join(dataDir, 'port');
  server = startServer(0);
  const port = await until('the server to listen', () => fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim(), 60000);
  const base = `http://127.0.0.1:${port}`;
  const key = (output.match(/API key:\s+(kf_\S+)/) || [])[1] || fail('no API key printed:\n' + output);
  const api = async (method, p, body) => {
    const r = await fetch(base + p, { method, headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(TIMEOUT) });
    return { status: r.status, body: r.headers.get('content-type')?.includes('json') ? await r.json() : await r.arrayBuffer(), type: r.headers.get('content-type') };
  };
  const created = await api('POST', '/api/v1/users', { email: 'li@demo.local', name: '李明', role: 'agent', password: 'agent-password-1' });
  if (created.status !== 201) fail('creating the agent: ' + created.status + ' ' + JSON.stringify(created.body));

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', timeout: 30000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const customerCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1100, height: 800 } });
  customerCtx.setDefaultTimeout(TIMEOUT);
  const customer = await customerCtx.newPage();
  pages.push(customer);
  const pageErrors = [];
  customer.on('pageerror', (e) => pageErrors.push(String(e)));
  let step = 0;
  const shot = async (page, name) => {
    step++;
    await page.screenshot({ path: path.join(artifacts, `${String(step).padStart(2, '0')}-${name}.png`) });
  };
  // Playwright's CSS selectors pierce the widget's (open) shadow root.
  const log = customer.locator('#log');
  async function say(page, text, { wait = true } = {}) {
    const l = page.locator('#log');
    const before = await l.locator('.msg:not(.contact)').count();
    await page.fill('#text', text);
    await page.press('#text', 'Enter');
    if (wait) {
      await until(`a reply to "${text}"`, async () => (await l.locator('.msg:not(.contact)').count()) > before);
    }
  }
  const shadowActive = (page) => page.evaluate(() => document.querySelector('kefu-widget').shadowRoot.activeElement?.id || '');

  // ---- one script tag; the host page's hostile CSS does not reach it ----
  await customer.goto(base + '/');
  const tags = await customer.locator('script[src$="/widget.js"]').count();
  if (tags !== 1) fail('the demo page should embed the widget with one script tag, has ' + tags);
  await customer.locator('#launcher').waitFor();
  const hostileCss = () => customer.addStyleTag({ content: `
    kefu-widget { display: none !important; transform: scale(0) !important; opacity: 0 !important; }
    div, section, button, input, span, p, form, header { display: none !important; color: red !important;
      font-size: 2px !important; background: lime !important; }
    * { font-family: "Comic Sans MS", cursive !important; visibility: hidden; } body { visibility: visible; }` });
  await hostileCss();
  if (!(await customer.locator('#launcher').isVisible())) fail('the host page\'s CSS hid the launcher');
  const lb = await customer.locator('#launcher').boundingBox();
  if (!lb || lb.width < 40 || lb.height < 40) fail('the launcher was shrunk: ' + JSON.stringify(lb));
  if (await customer.locator('#launcher').getAttribute('aria-label') !== '在线客服') fail('the zh-CN launcher label is missing');

  // ---- opens from the launcher; the bot's greeting ----
  await customer.click('#launcher');
  await customer.locator('#panel').waitFor();
  if (await customer.locator('#launcher').getAttribute('aria-expanded') !== 'true') fail('aria-expanded is not true when open');
  if (await shadowActive(customer) !== 'text') fail('opening the panel does not focus the message box');
  const greeting = log.locator('.msg.bot').first();
  await greeting.waitFor();
  if (!(await greeting.innerText()).includes('小蜜')) fail('the greeting is not the shop bot\'s: ' + await greeting.innerText());
  const fontSize = await customer.locator('.msg.bot .text').first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  if (fontSize < 12) fail('the host page\'s font size reached the widget: ' + fontSize);
  const bg = await customer.locator('#form').evaluate((e) => getComputedStyle(e).display);
  if (bg === 'none') fail('the host page hid the form');
  await shot(customer, 'greeting-hostile-css');

  // ---- a question gets the bot's answer; the message is marked stored ----
  await say(customer, '运费怎么算？');
  await log.locator('.msg.bot').filter({ hasText: '运费' }).last().waitFor();
  if (await log.locator('.msg.bot').count() < 2) fail('no answer to the shipping question');
  await log.locator('.msg.contact[data-state=stored]').filter({ hasText: '运费怎么算' }).waitFor();
  if ((await log.locator('.msg.contact .tick').first().getAttribute('aria-label')) !== '已送达') fail('the tick has no label');
  // The order-status flow.
  await say(customer, '我的订单 SO20261130001 到哪了');
  await until('the order status', async () => (await log.locator('.msg.bot').filter({ hasText: 'SO20261130001' }).count()) > 0);
  // A clarifying question ("do you mean A or B?") offers both as quick
  // replies; a tap sends the option's text and the buttons go.
  await say(customer, 'the hair dryer stopped blowing hot air after two uses');
  const options = log.locator('.quick .quick-reply');
  await until('two quick replies', async () => (await options.count()) === 2);
  const option = (await options.first().innerText()).trim();
  if (!(await log.locator('.msg.bot').last().innerText()).includes(option)) fail('the quick reply is not one of the question\'s options: ' + option);
  await shot(customer, 'answered');
  const repliesBefore = await log.locator('.msg.bot').count();
  await options.first().click();
  await log.locator('.msg.contact[data-state=stored]').filter({ hasText: option }).waitFor();
  await until('the answer to the picked option', async () => (await log.locator('.msg.bot').count()) > repliesBefore);
  const stale = await log.evaluate((l) => {
    const q = l.querySelector('.quick'), mine = [...l.querySelectorAll('.msg.contact')].pop();
    return !!q && !!(q.compareDocumentPosition(mine) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  if (stale) fail('the quick replies stayed after one was sent');

  // ---- keyboard: Escape closes and gives focus back; Enter on the launcher opens ----
  await customer.press('#text', 'Escape');
  await until('the panel to close', async () => !(await customer.locator('#panel').isVisible()));
  if (await shadowActive(customer) !== 'launcher') fail('Escape did not return focus to the launcher');
  await customer.keyboard.press('Enter');
  await customer.locator('#panel').waitFor();

  // ---- large-font mode, remembered across a reload (which replays the history once) ----
  const contactCount = await log.locator('.msg.contact').count();
  await customer.click('#large');
  if (await customer.locator('#large').getAttribute('aria-pressed') !== 'true') fail('the large-font toggle is not pressed');
  const bigFont = await customer.locator('.msg.bot .text').first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  if (bigFont < 18) fail('large-font mode is ' + bigFont + 'px');
  await shot(customer, 'large-font');
  await customer.reload();
  await customer.locator('#launcher').waitFor();
  await hostileCss();
  await customer.click('#launcher');
  await until('the history after a reload', async () => (await log.locator('.msg.contact').count()) >= contactCount);
  await sleep(500);
  if (await log.locator('.msg.contact').count() !== contactCount) fail('the reload doubled or lost messages');
  if (await customer.locator('#large').getAttribute('aria-pressed') !== 'true') fail('large-font mode was not remembered');
  await customer.click('#large');
  const conv = await customer.evaluate(() => window.kefuWidget.conversation);
  if (!conv) fail('window.kefuWidget.conversation is not set');

  // ---- the server restarts mid-conversation: typed offline, delivered once ----
  await stopServer();
  await customer.locator('#state[data-connection=lost]').waitFor();
  const offline1 = '断线时发的第一条 offline one';
  const offline2 = '我的订单 SO20261130001 发货了吗';
  await say(customer, offline1, { wait: false });
  await say(customer, offline2, { wait: false });
  await log.locator('.msg.contact[data-state=sending]').filter({ hasText: offline2 }).waitFor();
  await shot(customer, 'offline');
  server = startServer(port);
  await until('the server to listen again', () => fs.existsSync(portFile), 60000);
  await log.locator('.msg.contact[data-state=stored]').filter({ hasText: offline2 }).waitFor({ timeout: 45000 });
  await until('the answer after the restart', async () => {
    const seqs = await log.locator('.msg[data-seq]').evaluateAll((ms) => ms.map((m) => Number(m.dataset.seq)));
    const mineSeq = Number(await log.locator('.msg.contact').filter({ hasText: offline2 }).getAttribute('data-seq'));
    return seqs.some((s) => s > mineSeq);
  }, 30000);
  const stored = await api('GET', `/api/v1/conversations/${conv}/messages?limit=200`);
  const texts = stored.body.messages.map((m) => m.text);
  for (const t of [offline1, offline2]) {
    if (texts.filter((x) => x === t).length !== 1) fail(`"${t}" is stored ${texts.filter((x) => x === t).length} times`);
    if (await log.locator('.msg.contact').filter({ hasText: t }).count() !== 1) fail(`"${t}" is shown more than once`);
  }
  if (texts.indexOf(offline1) > texts.indexOf(offline2)) fail('the offline messages were stored out of order');
  // Every stored message is on the page once, in seq order.
  await until('the page to show every stored message once', async () => {
    const all = (await api('GET', `/api/v1/conversations/${conv}/messages?limit=200`)).body.messages.map((m) => m.seq);
    const shown = await log.locator('.msg[data-seq]').evaluateAll((ms) => ms.map((m) => Number(m.dataset.seq)));
    if (new Set(shown).size !== shown.length) fail('a seq is shown twice: ' + shown);
    return JSON.stringify([...shown].sort((a, b) => a - b)) === JSON.stringify(all);
  });
  await shot(customer, 'reconnected');

  // ---- an image: uploaded (type sniffed), shown, stored with the message ----
  await customer.setInputFiles('#file', { name: 'photo.png', mimeType: 'image/png', buffer: png(48, 48) });
  const sent = log.locator('.msg.contact[data-state=stored] img');
  await sent.waitFor();
  if (!(await sent.evaluate((i) => i.complete && i.naturalWidth === 48))) fail('the sent image is not shown');
  await customer.setInputFiles('#file', { name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
  await log.locator('.note.error').filter({ hasText: '图片上传失败' }).waitFor();
  const withImage = (await api('GET', `/api/v1/conversations/${conv}/messages?limit=200`)).body.messages.filter((m) => m.attachments.length);
  if (withImage.length !== 1) fail('the image message is not stored once');
  const up = await api('GET', `/api/v1/uploads/${withImage[0].attachments[0]}`);
  if (up.status !== 200 || !String(up.type).startsWith('image/png')) fail('the upload is not a PNG: ' + up.status + ' ' + up.type);
  await shot(customer, 'image');
  if (pageErrors.length) fail('page errors: ' + pageErrors.join('; '));

  // ---- zh-TW from the browser; data-lang overrides it ----
  const twCtx = await browser.newContext({ locale: 'zh-TW', viewport: { width: 1100, height: 800 } });
  twCtx.setDefaultTimeout(TIMEOUT);
  const tw = await twCtx.newPage();
  pages.push(tw);
  await tw.route(base + '/english.html', (route) => route.fulfill({ contentType: 'text/html; charset=utf-8',
    body: '<!doctype html><title>en</title><p>host</p><script src="/widget.js" data-public-key="pk_demo_shop" data-lang="en"></script>' }));
  await tw.goto(base + '/english.html');
  await tw.locator('#launcher[aria-label="Chat with us"]').waitFor();
  await tw.goto(base + '/');
  await tw.locator('#launcher[aria-label="線上客服"]').waitFor();
  await tw.click('#launcher');
  await tw.locator('#title').filter({ hasText: '線上客服' }).waitFor();
  await tw.locator('#log .msg.bot').first().waitFor();
  if ((await tw.locator('#human').innerText()).trim() !== '轉真人客服') fail('the zh-TW human button is ' + await tw.locator('#human').innerText());

  // ---- talk to a human: the place in line ----
  await tw.click('#human');
  await tw.locator('#state[data-status=queued]').waitFor();
  await tw.locator('#queue[data-position="1"]').filter({ hasText: '第 1 位' }).waitFor();
  await shot(tw, 'zh-TW-queued');
  const twConv = await tw.evaluate(() => window.kefuWidget.conversation);
  // ---- message text is data: HTML and scripts are shown, never run (while
  // the chat waits for a person, so the bot does not answer these) ----
  const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> javascript:alert(1) 详情 https://example.com/help?a=1&b=2。';
  await say(tw, hostile, { wait: false });
  const mine = tw.locator('#log').locator('.msg.contact').filter({ hasText: '<img src=x' });
  await mine.waitFor();
  if (!(await mine.innerText()).includes('<script>window.__pwned=2</script>')) fail('the hostile text is not shown as text');
  if (await tw.locator('#log').locator('img:not([data-upload])').count() !== 0) fail('message text made an <img>');
  if (await tw.locator('#log').locator('script').count() !== 0) fail('message text made a <script>');
  const links = await mine.locator('a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.target, a.rel]));
  if (links.length !== 1 || links[0][0] !== 'https://example.com/help?a=1&b=2' || links[0][1] !== '_blank' ||
      links[0][2] !== 'noopener noreferrer') fail('the links are wrong: ' + JSON.stringify(links));
  // Right-to-left text takes its own direction.
  await say(tw, 'مرحبا، أين طلبي؟', { wait: false });
  const rtl = tw.locator('#log').locator('.msg.contact .text').filter({ hasText: 'مرحبا' });
  await rtl.waitFor();
  if (await rtl.evaluate((e) => e.getAttribute('dir') === 'auto' && getComputedStyle(e).direction) !== 'rtl') fail('Arabic text is not right to left');
  await sleep(300);
  if (await tw.evaluate(() => window.__pwned) !== undefined) fail('a message ran a script');


  // ---- an agent joins from the console, answers with hostile text, resolves ----
  const agentCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
  agentCtx.setDefaultTimeout(TIMEOUT);
  const agent = await agentCtx.newPage();
  pages.push(agent);
  await agent.goto(base + '/console/');
  await agent.fill('#email', 'li@demo.local');
  await agent.fill('#password', 'agent-password-1');
  await agent.click('button[type=submit]');
  await agent.locator('.conn.open').waitFor();
  await agent.selectOption('#presence', 'online');
  await agent.locator('.chat-item').first().waitFor();
  await agent.locator('.chat-item').first().click();
  await tw.locator('#state[data-status=assigned]').waitFor();
  await tw.locator('.note.joined').filter({ hasText: '真人客服已加入對話' }).waitFor();
  const agentText = '<img src=x onerror="window.__pwned=3">您好 請看 https://example.com/faq 或 javascript:alert(1) <a href="javascript:alert(2)">x</a>';
  await agent.fill('#reply', agentText);
  await agent.press('#reply', 'Enter');
  const fromAgent = tw.locator('#log .msg.agent').filter({ hasText: '<img src=x' });
  await fromAgent.waitFor();
  const agentLinks = await fromAgent.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  if (JSON.stringify(agentLinks) !== '["https://example.com/faq"]') fail('the agent message\'s links: ' + JSON.stringify(agentLinks));
  if (await tw.locator('#log img').count() !== 0) fail('the agent message made an <img>');
  await sleep(300);
  if (await tw.evaluate(() => window.__pwned) !== undefined) fail('the agent message ran a script');
  await shot(tw, 'zh-TW-agent');

  // ---- CSAT after the agent resolves: stars, then a comment ----
  await agent.getByRole('button', { name: '标记已解决' }).click();
  await tw.locator('#state[data-status=resolved]').waitFor();
  await tw.locator('#rate').waitFor();
  await tw.locator('#rate button[data-rating="5"]').click();
  await tw.locator('#rate-done').waitFor();
  await tw.fill('#comment', '服務很好，謝謝');
  await tw.click('#comment-send');
  await tw.locator('#comment-done').waitFor();
  const rated = await api('GET', `/api/v1/conversations/${twConv}`);
  if (rated.body?.csat?.rating !== 5 || rated.body.csat.comment !== '服務很好，謝謝') fail('the rating was not stored: ' + JSON.stringify(rated.body));
  await shot(tw, 'zh-TW-rated');

  console.log(`widget_test: 1 passed, 0 failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} catch (e) {
  failed = true;
  console.error('widget_test: FAILED:', e && e.stack || e);
  for (const [i, p] of pages.entries()) {
    await p.screenshot({ path: path.join(artifacts, `failure-${i}.png`), timeout: 5000 }).catch(() => {});
  }
  console.error('server output:\n' + output.slice(-4000));
  console.log('widget_test: 0 passed, 1 failed');
  process.exitCode = 1;
} finally {
  if (browser) await Promise.race([browser.close(), sleep(10000)]);
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await Promise.race([new Promise((r) => server.once('exit', r)), sleep(5000)]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  if (dataDir && !failed) fs.rmSync(dataDir, { recursive: true, force: true });
}

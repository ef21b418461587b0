// End to end: the real server, the demo shop page's chat widget as the
// customer (its shadow root: playwright's CSS selectors pierce it) and the
// agent console in headless Chromium. Every wait is bounded.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'web/console/package.json'));
const { chromium } = require('playwright-core');

const binary = process.env.KEFU_BINARY || path.join(root, 'build/kefu');
const artifacts = process.env.KEFU_WEB_ARTIFACTS || path.join(root, 'build/web-artifacts');
const consoleDist = path.join(root, 'web/console/dist');
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

let server, browser, dataDir, failed = false;
try {
  if (!fs.existsSync(path.join(consoleDist, 'index.html'))) fail('web/console/dist is not built (npm run build)');
  fs.mkdirSync(artifacts, { recursive: true });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-web-'));
  const portFile = path.join(dataDir, 'port');
  let output = '';
  server = spawn(binary, ['serve', '--data-dir', dataDir, '--port', '0', '--port-file', portFile, '--demo',
    '--bot', path.join(root, 'examples/shop'), '--demo-orders', '--static-dir', path.join(root, 'web/demo'),
    '--console-dir', consoleDist], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.on('data', (d) => { output += d; });
  server.stderr.on('data', (d) => { output += d; });
  server.on('exit', (code) => { if (code !== null && !failed) output += `\n[server exited ${code}]`; });
  const port = await until('the server to listen', () => fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim(), 60000);
  const base = `http://127.0.0.1:${port}`;
  const key = (output.match(/API key:\s+(kf_\S+)/) || [])[1] || fail('no API key printed:\n' + output);

  const res = await fetch(base + '/api/v1/users', {
    method: 'POST', headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'li@demo.local', name: '李明', role: 'agent', password: 'agent-password-1' }),
    signal: AbortSignal.timeout(TIMEOUT),
  });
  if (res.status !== 201) fail('creating the agent: ' + res.status + ' ' + (await res.text()));
  const sup = await fetch(base + '/api/v1/users', {
    method: 'POST', headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'wang@demo.local', name: '王芳', role: 'supervisor', password: 'supervisor-password-1' }),
    signal: AbortSignal.timeout(TIMEOUT),
  });
  if (sup.status !== 201) fail('creating the supervisor: ' + sup.status + ' ' + (await sup.text()));
  const cannedText = '感谢您的耐心等待，还有什么可以帮您的吗？';
  const can = await fetch(base + '/api/v1/canned-responses', {
    method: 'POST', headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json' },
    body: JSON.stringify({ shortcut: 'thanks', title: '致谢', text: cannedText }),
    signal: AbortSignal.timeout(TIMEOUT),
  });
  if (can.status !== 201) fail('creating a canned response: ' + can.status + ' ' + (await can.text()));

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', timeout: 30000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const customerCtx = await browser.newContext({ locale: 'zh-CN' });
  const agentCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
  customerCtx.setDefaultTimeout(TIMEOUT); agentCtx.setDefaultTimeout(TIMEOUT);
  const customer = await customerCtx.newPage();
  const agent = await agentCtx.newPage();
  let step = 0;
  async function shots(name) {
    step++;
    const n = String(step).padStart(2, '0');
    await customer.screenshot({ path: path.join(artifacts, `${n}-${name}-customer.png`) });
    await agent.screenshot({ path: path.join(artifacts, `${n}-${name}-agent.png`) });
  }
  const log = customer.locator('#log');
  async function customerSays(text) {
    const before = await log.locator('.msg').count();
    await customer.fill('#text', text);
    await customer.press('#text', 'Enter');
    await until(`a reply to "${text}"`, async () => (await log.locator('.msg:not(.contact)').count()) > 0 &&
      (await log.locator('.msg').count()) >= before + 2);
  }

  // Wrong password: the server's message on the login page.
  await agent.goto(base + '/console/');
  await agent.fill('#email', 'li@demo.local');
  await agent.fill('#password', 'not-the-password');
  await agent.click('button[type=submit]');
  await agent.locator('[role=alert]').filter({ hasText: 'wrong email or password' }).waitFor();
  await customer.goto(base + '/');
  await customer.click('#launcher');
  await log.locator('.msg.bot').first().waitFor();
  await shots('wrong-password');

  // The customer asks about an order, then for a person.
  await customerSays('我的订单 SO20261130001 到哪了');
  await customerSays('转人工');
  await customer.locator('#state[data-status=queued]').waitFor();
  await shots('queued');

  // The agent signs in and goes online: the chat arrives with its summary.
  await agent.fill('#password', 'agent-password-1');
  await agent.click('button[type=submit]');
  await agent.locator('.agent-name').filter({ hasText: '李明' }).waitFor();
  await agent.locator('.conn.open').waitFor();
  await agent.selectOption('#presence', 'online');
  await agent.locator('.chat-item').first().waitFor();
  await agent.locator('.chat-item').first().click();
  const orderCell = agent.locator('.summary tr[data-slot=order_no] td');
  await orderCell.filter({ hasText: 'SO20261130001' }).waitFor();
  const said = await agent.locator('.summary').innerText();
  if (!said.includes('SO20261130001')) fail('the summary lacks the order number');
  await agent.locator('.transcript .msg.bot .intent').first().waitFor();
  await shots('assigned');

  // The agent replies (Enter sends); the customer sees it.
  const replyText = '您好，我是客服李明。订单 SO20261130001 已发货，预计明天送达。';
  await agent.fill('#reply', replyText);
  await agent.press('#reply', 'Enter');
  await agent.locator('.transcript .msg.agent:not(.pending)').filter({ hasText: replyText }).waitFor();
  await log.locator('.msg.agent').filter({ hasText: replyText }).waitFor();
  await customer.locator('#state[data-status=assigned]').waitFor();
  await shots('replied');

  // The customer asks a question the knowledge base answers: the agent sees
  // suggested replies for it, puts the best one in the reply box and sends it.
  const question = '运费怎么算？';
  await customer.fill('#text', question);
  await customer.press('#text', 'Enter');
  await agent.locator('.transcript .msg.contact').filter({ hasText: question }).waitFor();
  const best = agent.locator('.assist .suggestion').first();
  await best.waitFor();
  const suggested = await best.getAttribute('data-suggestion');
  if (!/^shipping/.test(suggested || '')) fail('the best suggestion for 运费 is ' + suggested);
  await best.click();
  const drafted = (await agent.inputValue('#reply')).trim();
  if (!drafted || !drafted.includes('运费')) fail('the suggestion did not fill the reply box: ' + drafted);
  await shots('suggested');
  await agent.getByRole('button', { name: '发送', exact: true }).click();
  await log.locator('.msg.agent').filter({ hasText: drafted.slice(0, 20) }).waitFor();
  if (await agent.inputValue('#reply') !== '') fail('the reply box was not emptied after sending');

  // A canned response: "/tha" offers /thanks, Enter puts it in the box, Enter sends.
  await agent.fill('#reply', '/tha');
  await agent.locator('.canned-item[data-shortcut=thanks]').waitFor();
  await agent.press('#reply', 'Enter');
  if ((await agent.inputValue('#reply')) !== cannedText) fail('the canned response was not put in the box');
  await agent.press('#reply', 'Enter');
  await log.locator('.msg.agent').filter({ hasText: cannedText }).waitFor();

  // The agent resolves: the chat leaves the list, the customer's page says closed.
  await agent.getByRole('button', { name: '标记已解决' }).click();
  await until('the chat to leave the list', async () => (await agent.locator('.chat-item').count()) === 0);
  await customer.locator('#state[data-status=resolved]').waitFor();
  // Asked for a rating: four stars, stored with the conversation.
  await customer.locator('#rate button[data-rating="4"]').click();
  await customer.locator('#rate-done').waitFor();
  const convId = await customer.evaluate(() => window.kefuWidget.conversation);
  const rated = await (await fetch(`${base}/api/v1/conversations/${convId}`, {
    headers: { Authorization: 'Bearer ' + key }, signal: AbortSignal.timeout(TIMEOUT) })).json();
  if (rated?.csat?.rating !== 4) fail('the rating was not stored: ' + JSON.stringify(rated));
  await shots('resolved');

  // A supervisor edits the shipping-fee answer in the console; the bot
  // answers the customer with it at once.
  const supervisorCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
  supervisorCtx.setDefaultTimeout(TIMEOUT);
  const supervisor = await supervisorCtx.newPage();
  await supervisor.goto(base + '/console/');
  await supervisor.fill('#email', 'wang@demo.local');
  await supervisor.fill('#password', 'supervisor-password-1');
  await supervisor.click('button[type=submit]');
  await supervisor.locator('.agent-name').filter({ hasText: '王芳' }).waitFor();
  await supervisor.click('#tab-knowledge');
  await supervisor.fill('.k-filter', 'shipping_fee_mainland');
  const entry = supervisor.locator('.faq[data-faq=shipping_fee_mainland]');
  await entry.waitFor();
  if (await supervisor.locator('.faq').count() !== 1) fail('the filter left more than one entry');
  await supervisor.locator('.canned-list [data-canned=thanks]').waitFor();
  await entry.locator('.faq-edit').click();
  const newAnswer = '本周活动：全场运费统一 6 元，满 79 元包邮。';
  await entry.locator('textarea[data-lang=zh]').fill(newAnswer);
  const savedAt = Date.now();
  await entry.locator('.faq-save').click();
  await supervisor.locator('.k-notice').filter({ hasText: 'shipping_fee_mainland' }).waitFor();
  await entry.locator('.faq-answers dd').filter({ hasText: newAnswer }).waitFor();
  await entry.locator('.edited').waitFor();
  await shots('faq-edited');
  await supervisor.screenshot({ path: path.join(artifacts, `${String(step).padStart(2, '0')}-faq-edited-supervisor.png`) });
  await customer.fill('#text', question);
  await customer.press('#text', 'Enter');
  await log.locator('.msg.bot').filter({ hasText: newAnswer }).waitFor();
  const uptake = (Date.now() - savedAt) / 1000;
  if (uptake > 2 + 1) fail(`the bot took ${uptake.toFixed(1)} s to answer with the edit`);
  // An agent may read the knowledge base but not edit it.
  await agent.click('#tab-knowledge');
  await agent.locator('.faq[data-faq=shipping_fee_mainland]').waitFor();
  if (await agent.locator('.faq-edit').count() !== 0) fail('an agent is offered to edit the FAQ');
  await shots('bot-uses-edit');

  // The numbers: an agent has no tab for them; the supervisor opens it and
  // sees today's conversation (handed over, so nothing automated), a chart
  // and the same numbers as a table.
  if (await agent.locator('#tab-numbers').count() !== 0) fail('an agent is offered the numbers tab');
  await supervisor.click('#tab-numbers');
  const rateTile = supervisor.locator('.tile[data-tile=automation_rate] .tile-value');
  await rateTile.waitFor();
  const rate = (await rateTile.innerText()).trim();
  if (rate !== '0%') fail('the automation rate tile shows ' + rate + ', not 0%');
  const label = (await supervisor.locator('.tile[data-tile=automation_rate] .tile-label').innerText()).trim();
  if (label !== '自动化率') fail('the tile is labelled ' + label);
  await supervisor.locator('.chart[data-chart=per-day] canvas').waitFor();
  if (await supervisor.locator('.chart canvas').count() < 4) fail('fewer than four charts were drawn');
  const handedOver = (await supervisor.locator('table[data-table=days] tfoot td').nth(2).innerText()).trim();
  if (handedOver !== '1') fail('the table says ' + handedOver + ' handed over, not 1');
  await supervisor.locator('table[data-table=reasons] tr[data-reason=customer_asked]').waitFor();
  await supervisor.click('#range-30');
  await until('30 days in the table', async () => (await supervisor.locator('table[data-table=days] tbody tr').count()) === 30);
  await supervisor.screenshot({ path: path.join(artifacts, `${String(step + 1).padStart(2, '0')}-numbers-supervisor.png`), fullPage: true });

  // A transfer with a note: the customer asks for a person again, 李明 takes
  // the chat and hands it to 王芳 (online), who reads the note in the summary.
  await supervisor.click('.tab >> nth=0');
  await supervisor.selectOption('#presence', 'online');
  await agent.click('.tab >> nth=0');
  await customerSays('转人工');
  await agent.locator('.chat-item').first().waitFor();
  await agent.locator('.chat-item').first().click();
  await agent.click('#transfer');
  const toSupervisor = agent.locator('#transfer-to option').filter({ hasText: '王芳' });
  await toSupervisor.waitFor({ state: 'attached' });
  await agent.selectOption('#transfer-to', await toSupervisor.getAttribute('value'));
  const note = '客户问运费，已发活动价，请继续跟进';
  await agent.fill('#transfer-note', note);
  await agent.getByRole('button', { name: '确认转接' }).click();
  await until('the chat to leave 李明', async () => (await agent.locator('.chat-item').count()) === 0);
  await supervisor.locator('.chat-item').first().waitFor();
  await supervisor.locator('.chat-item').first().click();
  await supervisor.locator('.summary .transfer-note').filter({ hasText: note }).waitFor();
  await supervisor.screenshot({ path: path.join(artifacts, `${String(step + 2).padStart(2, '0')}-transferred-supervisor.png`) });

  // The human-takeover switch: supervisors have it in the top bar, agents do not.
  if (await agent.locator('#takeover').count() !== 0) fail('an agent is offered the takeover switch');
  await supervisor.check('#takeover');
  const takeoverNow = async () => (await (await fetch(base + '/api/v1/takeover', {
    headers: { Authorization: 'Bearer ' + key }, signal: AbortSignal.timeout(TIMEOUT) })).json()).enabled;
  await until('the takeover to be on', async () => (await takeoverNow()) === true);
  await supervisor.uncheck('#takeover');
  await until('the takeover to be off', async () => (await takeoverNow()) === false);
  console.log(`console_test: 1 passed, 0 failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} catch (e) {
  failed = true;
  console.error('console_test: FAILED:', e && e.stack || e);
  console.log('console_test: 0 passed, 1 failed');
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

#!/usr/bin/env node
// nlp.js (npm node-nlp) on an intent set, measured as `kefu eval-intents` is.
//
//   node nlpjs-intents.js TRAIN.csv TEST.csv [--oos-label oos] [--lang en|zh]
//
// CSVs have a header naming a `text` column and a `label` (or `category`)
// column. Trains nlp.js's NLU (NlpManager, its documented API) on TRAIN —
// rows with the out-of-scope label become examples of nlp.js's own "None"
// intent — then classifies every TEST row with NlpManager.process, which
// answers "None" below nlp.js's default threshold (0.5). Prints one JSON line:
// accuracy (over rows whose label is not the OOS label), macro_f1,
// oos_precision and oos_recall (with --oos-label), train_s, classify_per_s.
'use strict';

const fs = require('fs');
const path = require('path');
// nlp.js logs progress with console.log ("Compiling dictionary"): keep
// stdout for the one JSON line.
console.log = (...parts) => process.stderr.write(`${parts.join(' ')}\n`);
const { NlpManager } = require('node-nlp');

function usage(message) {
  if (message) process.stderr.write(`nlpjs-intents: ${message}\n`);
  process.stderr.write(
    'usage: node nlpjs-intents.js TRAIN.csv TEST.csv [--oos-label oos] [--lang en|zh]\n');
  process.exit(2);
}

// RFC 4180: quoted fields may hold commas, doubled quotes and newlines.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 1;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function readExamples(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    usage(`${file}: ${e.message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows = parseCsv(text);
  if (rows.length < 2) usage(`${file}: no rows`);
  const header = rows[0].map((h) => h.trim());
  const t = header.indexOf('text');
  let l = header.indexOf('label');
  if (l < 0) l = header.indexOf('category');
  if (t < 0 || l < 0) usage(`${file}: the header must name a text and a label column`);
  return rows.slice(1)
    .filter((r) => r.length > Math.max(t, l) && r[t].trim() !== '')
    .map((r) => ({ text: r[t], label: r[l] }));
}

async function main() {
  const args = process.argv.slice(2);
  const positional = [];
  let oosLabel = null;
  let lang = 'en';
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] === '--oos-label' && i + 1 < args.length) {
      oosLabel = args[++i];
    } else if (args[i] === '--lang' && i + 1 < args.length) {
      lang = args[++i];
    } else if (args[i].startsWith('--')) {
      usage(`unknown option ${args[i]}`);
    } else {
      positional.push(args[i]);
    }
  }
  if (positional.length !== 2) usage();
  if (!['en', 'zh'].includes(lang)) usage(`--lang must be en or zh, not ${lang}`);
  const train = readExamples(positional[0]);
  const test = readExamples(positional[1]);

  const manager = new NlpManager({
    languages: [lang],
    forceNER: false,
    autoSave: false,
    autoLoad: false,
    calculateSentiment: false,
    nlu: { log: false },
  });
  // nlp.js's "None" intent is its out-of-scope answer.
  const NONE = 'None';
  for (const { text, label } of train) {
    manager.addDocument(lang, text, oosLabel !== null && label === oosLabel ? NONE : label);
  }
  let t0 = process.hrtime.bigint();
  await manager.train();
  const trainS = Number(process.hrtime.bigint() - t0) / 1e9;

  const predicted = [];
  t0 = process.hrtime.bigint();
  for (const { text } of test) {
    const out = await manager.process(lang, text);
    predicted.push(out.intent || NONE);
  }
  const classifyS = Number(process.hrtime.bigint() - t0) / 1e9;

  let inScope = 0;
  let correct = 0;
  let oosTrue = 0;
  let oosPredicted = 0;
  let oosHit = 0;
  const tp = new Map();
  const fp = new Map();
  const fn = new Map();
  const bump = (m, k) => m.set(k, (m.get(k) || 0) + 1);
  test.forEach(({ label }, i) => {
    const isOos = oosLabel !== null && label === oosLabel;
    const p = predicted[i] === NONE && oosLabel !== null ? oosLabel : predicted[i];
    if (isOos) {
      oosTrue += 1;
      if (p === oosLabel) oosHit += 1;
    } else {
      inScope += 1;
      if (p === label) correct += 1;
    }
    if (oosLabel !== null && p === oosLabel) oosPredicted += 1;
    if (p === label) {
      bump(tp, label);
    } else {
      bump(fn, label);
      bump(fp, p);
    }
  });
  // Macro-F1 over the in-scope labels of the test set.
  const labels = [...new Set(test.map((r) => r.label))].filter((l) => l !== oosLabel);
  let f1Sum = 0;
  for (const l of labels) {
    const a = tp.get(l) || 0;
    const precision = a + (fp.get(l) || 0) > 0 ? a / (a + (fp.get(l) || 0)) : 0;
    const recall = a + (fn.get(l) || 0) > 0 ? a / (a + (fn.get(l) || 0)) : 0;
    f1Sum += precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  }
  const round = (v, d = 4) => Math.round(v * 10 ** d) / 10 ** d;
  const version = require(path.join(path.dirname(require.resolve('node-nlp')), '..', 'package.json')).version;
  const result = {
    tool: 'nlp.js',
    version,
    language: lang,
    accuracy: round(inScope ? correct / inScope : 0),
    macro_f1: round(labels.length ? f1Sum / labels.length : 0),
  };
  if (oosLabel !== null) {
    result.oos_precision = round(oosPredicted ? oosHit / oosPredicted : 0);
    result.oos_recall = round(oosTrue ? oosHit / oosTrue : 0);
  }
  result.train_s = round(trainS, 3);
  result.classify_per_s = Math.round(test.length / Math.max(classifyS, 1e-9));
  result.train_rows = train.length;
  result.test_rows = test.length;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  process.stderr.write(`nlpjs-intents: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});

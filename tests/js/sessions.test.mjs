// A session from JavaScript, with node's built-in test runner and nothing else: MOCK_DOITONG_URL
// names a running `mock-doitong serve --clock virtual` (tests/test_node_sessions.py starts one).
// The vendor's JavaScript sample runs with only its host and key changed to the session's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const url = process.env.MOCK_DOITONG_URL;
const sample = fileURLToPath(new URL('../vendor_samples/quickstart.mjs', import.meta.url));

async function control(method, path, body) {
  const response = await fetch(url + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

test('the vendor sample runs in a session, whose clock alone moves', async () => {
  assert.ok(url, 'MOCK_DOITONG_URL must name a running mock');
  const created = await control('POST', '/__mock/sessions', { clock: 'virtual' });
  assert.equal(created.status, 201);
  const { id, apiKeys, controlUrl } = created.json;
  const key = apiKeys[0].apiKey;
  assert.equal(key, `YOUR_API_KEY.${id}`);
  const rootBefore = (await control('GET', '/__mock/clock')).json.epoch;

  const source = (await readFile(sample, 'utf8'))
    .replace('https://api.doitong.com', url)
    .replace('Bearer YOUR_API_KEY', `Bearer ${key}`);
  const dir = await mkdtemp(join(tmpdir(), 'mock-doitong-'));
  const script = join(dir, 'quickstart.mjs');
  await writeFile(script, source);
  const logged = [];
  const log = console.log;
  console.log = (...args) => logged.push(args);
  try {
    await import(pathToFileURL(script).href);
  } finally {
    console.log = log;
  }
  const [[label, avatar]] = logged;
  assert.equal(label, 'Avatar Video:');
  assert.equal(avatar.status, 'processing');

  const sessionPath = new URL(controlUrl).pathname;
  const advanced = await control('POST', `${sessionPath}/clock/advance`, { seconds: 60 });
  assert.equal(advanced.status, 200);
  const job = await control('GET', `${sessionPath}/jobs/${avatar.id}`);
  assert.equal(job.json.status, 'completed');

  const rootAfter = (await control('GET', '/__mock/clock')).json.epoch;
  assert.equal(rootAfter, rootBefore);
  assert.equal((await control('GET', `/__mock/jobs/${avatar.id}`)).status, 404);
  assert.equal((await control('DELETE', `/__mock/sessions/${id}`)).status, 200);
});

// Preloaded with `node --import`: records the status and JSON body of every fetch the sample
// makes and prints them as one JSON line on exit, prefixed so the test can find it.
const seen = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (...args) => {
  const response = await realFetch(...args);
  const body = await response.clone().json();
  seen.push({ status: response.status, body });
  return response;
};
process.on('exit', () => {
  process.stdout.write('\nCAPTURED ' + JSON.stringify(seen) + '\n');
});

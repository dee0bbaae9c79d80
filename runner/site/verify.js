// verify.js: the verification page of a published labrun credential
// (labrun registry publish, docs/registry.md).  It checks the credential
// beside it (credential.json) in the browser, with nothing from another
// origin: the eddsa-jcs-2022 proof (JCS, SHA-256 and Ed25519 through
// WebCrypto), the issuer's key against the site's identity document
// (did.json: its periods and compromise dates), validFrom/validUntil
// against now, and the revocation and suspension status lists of the same
// site (their own proofs checked too).  It says valid, expired, suspended,
// revoked or invalid, and why, in data-verdict and in words.  Everything
// from the files is shown through textContent only.
'use strict';
(function () {
  const body = document.body;
  const DID_PATH = body.dataset.did;      // the identity document, relative
  const BASE = body.dataset.base;         // the registry's base URL
  const NOTE = body.dataset.note || '';   // the registry's word on the status

  class Bad extends Error {}               // the credential fails a check
  class Unreachable extends Error {}       // a file of the site did not load

  // --- encodings --------------------------------------------------------
  const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  function base58(s) {
    const bytes = []; // little-endian
    for (const ch of s) {
      let carry = B58.indexOf(ch);
      if (carry < 0) throw new Bad('a base58 value holds "' + ch + '"');
      for (let i = 0; i < bytes.length; i++) {
        carry += bytes[i] * 58;
        bytes[i] = carry & 0xff;
        carry >>= 8;
      }
      while (carry) { bytes.push(carry & 0xff); carry >>= 8; }
    }
    let zeros = 0;
    while (zeros < s.length && s[zeros] === '1') zeros++;
    return new Uint8Array(new Array(zeros).fill(0).concat(bytes.reverse()));
  }
  function b64url(s) {
    const t = s.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(t + '='.repeat((4 - t.length % 4) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  }
  // The Ed25519 key of "z6Mk..." (multicodec ed01, base58btc).
  function multikey(mb) {
    if (typeof mb !== 'string' || mb[0] !== 'z') throw new Bad('a key is not base58btc multibase');
    const b = base58(mb.slice(1));
    if (b.length !== 34 || b[0] !== 0xed || b[1] !== 0x01) throw new Bad('a key is not an Ed25519 multikey');
    return b.slice(2);
  }
  function didKey(did) {
    if (typeof did !== 'string' || !did.startsWith('did:key:')) throw new Bad('the issuer is not a did:key');
    return multikey(did.slice(8));
  }

  // RFC 8785 (JCS) for what labrun signs: objects, arrays, strings,
  // integers, booleans, null.  JSON.stringify is JCS's own serialiser for
  // strings and numbers; keys sort by UTF-16 code units, as JS compares.
  function jcs(v) {
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new Bad('a number is not an integer');
      return JSON.stringify(v);
    }
    if (Array.isArray(v)) return '[' + v.map(jcs).join(',') + ']';
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + jcs(v[k])).join(',') + '}';
  }

  // --- Data Integrity eddsa-jcs-2022 ------------------------------------
  async function sha256(s) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
  }
  async function proofOk(doc, what) {
    const p = doc.proof;
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw new Bad(what + ' has no proof');
    if (p.type !== 'DataIntegrityProof' || p.cryptosuite !== 'eddsa-jcs-2022')
      throw new Bad(what + "'s proof is not an eddsa-jcs-2022 Data Integrity proof");
    if (p.proofPurpose !== 'assertionMethod') throw new Bad(what + "'s proof is not for assertionMethod");
    const issuer = typeof doc.issuer === 'string' ? doc.issuer : (doc.issuer || {}).id;
    const vm = String(p.verificationMethod || '');
    if (vm !== issuer + '#' + String(issuer).slice(8)) throw new Bad(what + ' is signed by a key other than its issuer');
    const pk = didKey(issuer);
    const opts = Object.assign({}, p);
    delete opts.proofValue;
    const rest = Object.assign({}, doc);
    delete rest.proof;
    const h1 = await sha256(jcs(opts)), h2 = await sha256(jcs(rest));
    const data = new Uint8Array(64);
    data.set(h1, 0);
    data.set(h2, 32);
    if (typeof p.proofValue !== 'string' || p.proofValue[0] !== 'z') throw new Bad(what + "'s proofValue is not base58btc");
    const sig = base58(p.proofValue.slice(1));
    if (sig.length !== 64) throw new Bad(what + "'s signature is not 64 bytes");
    const key = await crypto.subtle.importKey('raw', pk, { name: 'Ed25519' }, false, ['verify']);
    if (!(await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, data)))
      throw new Bad(what + "'s signature does not match its contents: it was changed after it was signed");
    return { issuer, created: String(p.created || '') };
  }

  // --- the site's files -------------------------------------------------
  async function getJson(path, what) {
    let r;
    try {
      r = await fetch(path, { cache: 'no-cache', credentials: 'omit', redirect: 'error' });
    } catch (err) {
      throw new Unreachable(what + ' could not be loaded (' + path + ')');
    }
    if (!r.ok) throw new Unreachable(what + ' could not be loaded (' + path + ': HTTP ' + r.status + ')');
    const text = await r.text();
    try { return JSON.parse(text); } catch (err) { throw new Bad(what + ' is not JSON'); }
  }
  // A URL of the registry, fetched from this site: the same path below
  // the site's root, whatever host serves it.
  function local(url) {
    if (typeof url !== 'string' || !url.startsWith(BASE + '/')) throw new Bad('a status list is not the registry\'s own (' + url + ')');
    return '../../' + url.slice(BASE.length + 1);
  }

  const when = (s) => { const t = Date.parse(s); return Number.isNaN(t) ? null : t; };
  function day(s) {
    const t = when(s);
    return t === null ? String(s) : new Date(t).toISOString().slice(0, 10);
  }

  // The key of did:key 'issuer' in the identity document, in force at
  // 'at' (the signature's time): listed, not compromised at or before it,
  // not retired before it (as labrun verify judges, runner/status_list.c).
  function keyInForce(doc, issuer, at, what) {
    const mb = issuer.slice(8);
    const vm = (Array.isArray(doc.verificationMethod) ? doc.verificationMethod : [])
      .find((m) => m && m.publicKeyMultibase === mb);
    if (!vm) throw new Bad(what + ' is signed by a key the issuer does not list (' + issuer + ')');
    const t = when(at);
    if (t === null) throw new Bad(what + "'s proof has no valid creation time");
    if (vm.revoked && when(vm.revoked) !== null && t >= when(vm.revoked))
      throw new Bad(what + ' was signed on ' + day(at) + ' by a key the issuer marked compromised from ' + day(vm.revoked));
    if (vm.expires && when(vm.expires) !== null && t > when(vm.expires))
      throw new Bad(what + ' was signed on ' + day(at) + ', after its key was retired (' + day(vm.expires) + ')');
    return vm;
  }

  async function statusBit(entry, idDoc, purpose) {
    if (!entry || entry.type !== 'BitstringStatusListEntry' || entry.statusPurpose !== purpose)
      throw new Bad('the credential\'s ' + purpose + ' status entry is malformed');
    const index = Number(entry.statusListIndex);
    if (!/^[0-9]+$/.test(String(entry.statusListIndex)) || !Number.isSafeInteger(index))
      throw new Bad('the credential\'s ' + purpose + ' status index is not a number');
    const what = 'the ' + purpose + ' status list';
    const list = await getJson(local(entry.statusListCredential), what);
    if (list.id !== entry.statusListCredential) throw new Bad(what + ' is not the one the credential names');
    const types = Array.isArray(list.type) ? list.type : [];
    if (!types.includes('BitstringStatusListCredential')) throw new Bad(what + ' is not a BitstringStatusListCredential');
    const signed = await proofOk(list, what);
    keyInForce(idDoc, signed.issuer, signed.created, what);
    const subj = list.credentialSubject || {};
    if (subj.type !== 'BitstringStatusList' || subj.statusPurpose !== purpose) throw new Bad(what + ' is for another purpose');
    const enc = String(subj.encodedList || '');
    if (enc[0] !== 'u') throw new Bad(what + "'s encodedList is not base64url multibase");
    const gz = b64url(enc.slice(1));
    const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip'));
    let bits;
    try { bits = new Uint8Array(await new Response(stream).arrayBuffer()); } catch (err) {
      throw new Bad(what + "'s encodedList is not gzip");
    }
    if (index >= bits.length * 8) throw new Bad('the credential\'s ' + purpose + ' index is beyond its status list');
    return (bits[index >> 3] >> (7 - (index & 7))) & 1;
  }

  // --- what the credential says -----------------------------------------
  function facts(c) {
    const s = c.credentialSubject || {}, a = s.achievement || {};
    const tags = Array.isArray(a.tag) ? a.tag : [];
    const level = tags.filter((t) => typeof t === 'string' && t.startsWith('level:')).map((t) => t.slice(6));
    const comps = tags.filter((t) => typeof t === 'string' && t.startsWith('competency:')).map((t) => t.slice(11));
    const score = (Array.isArray(s.result) ? s.result : []).find((r) => r && r.resultDescription === 'urn:labrun:result:score');
    const review = (Array.isArray(c.evidence) ? c.evidence : []).find((e) => e && e.genre === 'review');
    const holder = String(s.id || '').replace(/^urn:labrun:pseudonym:/, '');
    const ids = (Array.isArray(s.identifier) ? s.identifier : [])
      .map((i) => String((i && i.identityType) || '') + (i && i.hashed ? ' (hashed)' : ''));
    const rows = [
      ['Holder', holder + ' (a pseudonym; the holder can show it is theirs)'],
      ['Identified by', ids.join(', ')],
      ['Achievement', String(a.name || c.name || '') + (a.version ? ' (version ' + a.version + ')' : '')],
      ['Level', level.join(', ')],
      ['Competencies', comps.join(', ')],
      ['Score', score ? String(score.value) + '%' : ''],
      ['Decided on review', review ? String(review.name || '').replace(/^Decided on review: /, '') + (review.description ? ': \u201c' + String(review.description) + '\u201d' : '') : ''],
      ['Issued', c.validFrom ? day(c.validFrom) : ''],
      ['Valid until', c.validUntil ? day(c.validUntil) : 'no end date'],
      ['Issuer', String((c.issuer && c.issuer.name) || '')],
      ['Credential', String(c.id || '')],
    ];
    const dl = document.getElementById('facts');
    for (const [k, v] of rows) {
      if (!v) continue;
      const dt = document.createElement('dt'), dd = document.createElement('dd');
      dt.textContent = k;
      dd.textContent = v;
      if (k === 'Issuer') {
        const web = document.createElement('span');
        web.id = 'issuer';
        web.className = 'sub';
        dd.append(document.createElement('br'), web);
      }
      dl.append(dt, dd);
    }
    document.getElementById('title').textContent = String(a.name || c.name || 'labrun credential');
  }

  const WORDS = {
    valid: 'Valid',
    expired: 'Expired',
    suspended: 'Suspended',
    revoked: 'Revoked',
    invalid: 'Not valid',
    error: 'Could not be checked',
  };
  function show(verdict, why, detail) {
    const box = document.getElementById('verdict');
    document.getElementById('word').textContent = WORDS[verdict];
    document.getElementById('why').textContent = why;
    document.getElementById('detail').textContent = detail || '';
    box.className = 'verdict ' + verdict;
    box.dataset.verdict = verdict;
    document.title = WORDS[verdict] + ': ' + document.getElementById('title').textContent;
  }

  async function check() {
    const cred = await getJson('credential.json', 'the credential');
    facts(cred);
    const types = Array.isArray(cred.type) ? cred.type : [];
    if (!types.includes('VerifiableCredential')) throw new Bad('the file is not a verifiable credential');
    const signed = await proofOk(cred, 'the credential');
    const idDoc = await getJson(DID_PATH, 'the issuer\'s identity document');
    if (!Array.isArray(idDoc.alsoKnownAs) || !idDoc.alsoKnownAs.includes(signed.issuer))
      throw new Bad('the credential\'s issuer (' + signed.issuer + ') is not one of this issuer\'s keys');
    keyInForce(idDoc, signed.issuer, signed.created, 'the credential');
    const who = document.getElementById('issuer');
    if (who && typeof idDoc.id === 'string') who.textContent = idDoc.id;
    const now = Date.now();
    const from = when(cred.validFrom), until = cred.validUntil === undefined ? null : when(cred.validUntil);
    if (from === null) throw new Bad('the credential has no valid validFrom');
    if (cred.validUntil !== undefined && until === null) throw new Bad('the credential\'s validUntil is not a date');
    const st = Array.isArray(cred.credentialStatus) ? cred.credentialStatus
      : (cred.credentialStatus ? [cred.credentialStatus] : []);
    const rev = st.find((x) => x && x.statusPurpose === 'revocation');
    const sus = st.find((x) => x && x.statusPurpose === 'suspension');
    const where = (e, what) => what + ' status list, index ' + e.statusListIndex + '.';
    if (rev && (await statusBit(rev, idDoc, 'revocation')))
      return show('revoked', 'The issuer has revoked this credential: it no longer certifies anything.',
        (NOTE ? NOTE + ' ' : '') + where(rev, 'Revocation'));
    if (sus && (await statusBit(sus, idDoc, 'suspension')))
      return show('suspended', 'The issuer has suspended this credential: do not rely on it until it is reinstated.',
        (NOTE ? NOTE + ' ' : '') + where(sus, 'Suspension'));
    if (from > now) return show('invalid', 'The credential is not valid before ' + day(cred.validFrom) + '.');
    if (until !== null && until <= now)
      return show('expired', 'The credential expired on ' + day(cred.validUntil) + '. Its signature is genuine; what it certifies held until then.',
        'The holder may renew it.');
    const status = rev || sus ? 'It has not been revoked or suspended.'
      : 'It carries no status entry, so whether it was revoked cannot be checked.';
    show('valid', 'The signature is genuine, by a key of this issuer in use when it signed. ' + status,
      cred.validUntil ? 'Valid until ' + day(cred.validUntil) + '.' : '');
  }

  check().catch((err) => {
    if (err instanceof Bad) show('invalid', 'This credential does not verify: ' + err.message + '.',
      'Do not rely on what it says.');
    else if (err instanceof Unreachable) show('error', 'The check could not be completed: ' + err.message + '.',
      'Reload the page; if it persists, the site is incomplete.');
    else show('error', 'The check could not be completed: this browser lacks what it needs (' + String(err && err.name || err) + ').',
      'A current browser (Ed25519 in WebCrypto) over https is needed.');
  });
})();

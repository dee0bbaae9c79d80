// 0910-registry-site.js: a person following the link of a published
// credential, in headless Chromium, for tests/interop/0910-registry-site.sh
// and the bench.  It opens each page of PAGES on ORIGIN, waits until the
// page has concluded (#verdict gets data-verdict), and records the
// verdict, its words, what the page shows the credential certifies,
// console errors, page errors, Content-Security-Policy violations and
// every request, with those to another origin aborted.  It takes a
// screenshot of each into SHOTS/site-NAME.png and prints one JSON object.
// It asserts nothing itself: the shell test judges.
//
// Environment: ORIGIN ("http://127.0.0.1:PORT"), PAGES (JSON: [[name,
// path, now], ...]; now, when given, is the time the page's clock reads:
// Date.now() moved to it, the way a reader years later sees it), SHOTS (a directory, or "" for none), REPEAT (loads of each
// page: the bench's median of N; 1 by default).
'use strict';
const puppeteer = require('puppeteer-core');

const env = (k, d) => process.env[k] !== undefined ? process.env[k] : d;

(async () => {
	const origin = env('ORIGIN');
	const pages = JSON.parse(env('PAGES'));
	const shots = env('SHOTS', '');
	const repeat = Number(env('REPEAT', '1'));
	const args = ['--no-first-run', '--disable-gpu'];
	if (process.getuid && process.getuid() === 0)
		args.push('--no-sandbox');
	const browser = await puppeteer.launch({executablePath: '/usr/bin/chromium',
						headless: true, args});
	const out = {origin, pages: {}};
	try {
		for (const [name, path, now] of pages) {
			const seen = {url: origin + path, requests: [], foreign: [], console_errors: [],
				      page_errors: [], csp: [], verdict: '', words: '', facts: {},
				      load_ms: []};
			const page = await browser.newPage();
			await page.setViewport({width: 1000, height: 760});
			await page.setCacheEnabled(false);
			await page.setRequestInterception(true);
			page.on('request', r => {
				seen.requests.push(r.url());
				if (new URL(r.url()).origin === origin)
					r.continue();
				else {
					seen.foreign.push(r.url());
					r.abort();
				}
			});
			page.on('console', m => { if (m.type() === 'error') seen.console_errors.push(m.text()); });
			page.on('pageerror', e => seen.page_errors.push(String(e)));
			await page.evaluateOnNewDocument(() => {
				window.__csp = [];
				document.addEventListener('securitypolicyviolation',
					e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
			});
			if (now) {
				const offset = Date.parse(now) - Date.now();
				await page.evaluateOnNewDocument(off => {
					const real = Date.now.bind(Date);
					Date.now = () => real() + off;
				}, offset);
			}
			for (let i = 0; i < repeat; i++) {
				const t0 = process.hrtime.bigint();
				await page.goto(seen.url, {waitUntil: 'domcontentloaded'});
				await page.waitForSelector('#verdict[data-verdict]', {timeout: 15000}).catch(() => {});
				seen.load_ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
			}
			seen.verdict = await page.evaluate(() => document.getElementById('verdict').dataset.verdict || '');
			seen.words = await page.evaluate(() => document.getElementById('verdict').innerText);
			seen.facts = await page.evaluate(() => {
				const f = {};
				const dts = document.querySelectorAll('#facts dt');
				for (const dt of dts) f[dt.textContent] = dt.nextElementSibling.textContent;
				return f;
			});
			seen.title = await page.title();
			seen.csp = await page.evaluate(() => window.__csp);
			if (shots) {
				seen.screenshot = shots + '/site-' + name + '.png';
				await page.screenshot({path: seen.screenshot, fullPage: true});
			}
			out.pages[name] = seen;
			await page.close();
		}
	} finally {
		await browser.close();
	}
	process.stdout.write(JSON.stringify(out, null, 1) + '\n');
})().catch(e => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(3); });

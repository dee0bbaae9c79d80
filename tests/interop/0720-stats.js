// 0720-stats.js: a certification team in headless Chromium opening the
// page `labrun stats --html` wrote, for tests/interop/0720-stats.sh.  It
// opens the page from file://, lets no request through but the page itself
// (every other one is recorded and aborted), records console errors, page
// errors and Content-Security-Policy violations, reads what the charts and
// tables show, takes a full-page screenshot and prints what it saw as one
// JSON object.  It asserts nothing itself: the shell test judges.
//
// Environment: PAGE (the HTML file), SCREENSHOT (a PNG path).
'use strict';
const path = require('path');
const puppeteer = require('puppeteer-core');

(async () => {
	const url = 'file://' + path.resolve(process.env.PAGE);
	const seen = {url, requests: [], console_errors: [], page_errors: [], csp: [],
		      svgs: [], bars: 0, dots: 0, boxes: 0, flags: [], unfair: false, title: ''};
	const args = ['--no-first-run', '--disable-gpu'];
	if (process.getuid && process.getuid() === 0)
		args.push('--no-sandbox');
	const browser = await puppeteer.launch({executablePath: '/usr/bin/chromium',
						headless: true, args});
	try {
		const page = await browser.newPage();
		await page.setViewport({width: 1100, height: 900});
		await page.setRequestInterception(true);
		page.on('request', r => {
			seen.requests.push(r.url());
			if (r.url() === url)
				r.continue();
			else
				r.abort();
		});
		page.on('console', m => { if (m.type() === 'error') seen.console_errors.push(m.text()); });
		page.on('pageerror', e => seen.page_errors.push(String(e)));
		await page.evaluateOnNewDocument(() => {
			window.__csp = [];
			document.addEventListener('securitypolicyviolation',
				e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
		});
		await page.goto(url, {waitUntil: 'load'});
		seen.title = await page.title();
		Object.assign(seen, await page.evaluate(() => {
			const svgs = [...document.querySelectorAll('svg')];
			return {
				svgs: svgs.map(s => s.getAttribute('aria-label')),
				// drawn, with a size: the browser laid them out
				sized: svgs.every(s => s.getBoundingClientRect().width > 100),
				bars: document.querySelectorAll('svg[aria-label="score histogram"] rect').length,
				dots: document.querySelectorAll('svg[aria-label="difficulty against discrimination"] circle').length,
				boxes: document.querySelectorAll('svg[aria-label="time to resolution per variant"] rect').length,
				flags: [...document.querySelectorAll('td.flag')].map(t => t.innerText).filter(Boolean),
				unfair: !!document.evaluate("//span[contains(., 'Unfair')]", document, null,
							    XPathResult.BOOLEAN_TYPE, null).booleanValue,
			};
		}));
		seen.csp = await page.evaluate(() => window.__csp);
		await page.screenshot({path: process.env.SCREENSHOT, fullPage: true});
	} finally {
		await browser.close();
	}
	process.stdout.write(JSON.stringify(seen) + '\n');
})().catch(e => { console.error(String(e && e.stack || e)); process.exit(1); });

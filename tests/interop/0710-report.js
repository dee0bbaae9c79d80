// 0710-report.js: an auditor in headless Chromium opening a page `labrun
// report` wrote, for tests/interop/0710-report.sh.  It opens the page from
// file://, lets no request through but the page itself (request
// interception: every other one is recorded and aborted), records console
// errors, page errors, dialogs and Content-Security-Policy violations,
// plays the terminal replay from its start to its end, takes a screenshot and prints what
// it saw as one JSON object.  It asserts nothing itself: the shell test
// judges.
//
// Environment: PAGE (the HTML file), SCREENSHOT (a PNG path), EXPECT (text
// the session printed: playing waits until the terminal shows it).
'use strict';
const path = require('path');
const puppeteer = require('puppeteer-core');

const env = (k, d) => process.env[k] !== undefined ? process.env[k] : d;

(async () => {
	const url = 'file://' + path.resolve(env('PAGE'));
	const expect = env('EXPECT', '');
	const seen = {url, requests: [], aborted: [], console_errors: [], page_errors: [],
		      dialogs: [], csp: [], player: false, playable: false, verdict: '',
		      terminal: '', answers: '', title: ''};
	const args = ['--no-first-run', '--disable-gpu'];
	if (process.getuid && process.getuid() === 0)
		args.push('--no-sandbox');
	const browser = await puppeteer.launch({executablePath: '/usr/bin/chromium',
						headless: true, args});
	try {
		const page = await browser.newPage();
		await page.setViewport({width: 1280, height: 900});
		await page.setRequestInterception(true);
		page.on('request', r => {
			seen.requests.push(r.url());
			if (r.url() === url)
				r.continue();
			else {
				seen.aborted.push(r.url());
				r.abort();
			}
		});
		page.on('console', m => { if (m.type() === 'error') seen.console_errors.push(m.text()); });
		page.on('pageerror', e => seen.page_errors.push(String(e)));
		page.on('dialog', async d => { seen.dialogs.push(d.message()); await d.dismiss(); });
		await page.evaluateOnNewDocument(() => {
			window.__csp = [];
			document.addEventListener('securitypolicyviolation',
				e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
		});
		await page.goto(url, {waitUntil: 'load'});
		await page.waitForSelector('.ap-player', {timeout: 10000}).catch(() => {});
		seen.player = await page.evaluate(() => !!document.querySelector('.ap-player'));
		seen.title = await page.title();
		seen.verdict = await page.evaluate(() => {
			const v = document.getElementById('verdict-text');
			return v ? v.innerText : '';
		});
		seen.answers = await page.evaluate(() => {
			const a = document.getElementById('answers');
			return a ? a.innerText : '';
		});
		if (seen.player) {
			// played from the start to its end (the page shows the last
			// screen until then): the 'ended' event, and the text on the
			// player's terminal then
			await page.evaluate(() => {
				window.__ended = false;
				window.labrunPlayer.addEventListener('ended', () => { window.__ended = true; });
				return window.labrunPlayer.seek(0).then(() => window.labrunPlayer.play());
			});
			const end = Date.now() + 20000;
			while (Date.now() < end) {
				const ended = await page.evaluate(() => window.__ended);
				seen.terminal = await page.evaluate(() => {
					const t = document.querySelector('.ap-term') ||
						document.querySelector('.ap-player');
					return t ? t.innerText.replace(/\u00a0/g, ' ') : '';
				});
				if (ended && expect && seen.terminal.includes(expect)) {
					seen.playable = true;
					break;
				}
				await new Promise(r => setTimeout(r, 200));
			}
			await new Promise(r => setTimeout(r, 500));
		}
		seen.csp = await page.evaluate(() => window.__csp);
		await page.screenshot({path: env('SCREENSHOT'), fullPage: true});
	} catch (e) {
		seen.page_errors.push('driver: ' + String(e));
	} finally {
		await browser.close();
	}
	console.log(JSON.stringify(seen));
})();

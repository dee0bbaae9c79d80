// exam.js: a candidate in headless Chromium at the web exam of
// docs/operators.md ("Candidates in a browser"), for
// tests/interop/0500-web-exam.sh.  It logs in through nginx's basic auth,
// reads the brief in the web terminal, starts the exam, types commands and
// either submits or closes the tab mid-exam.  It asserts nothing itself:
// it prints one line per step it reached ("reached NAME") or missed
// ("missed NAME", then the screen as "# " lines), and the shell test
// judges.  It exits 1 at the first step missed.
//
// Environment: URL, WEB_USER, WEB_PASSWORD, MODE ("submit", "close" or
// "again": open the page and expect the refusal of a second attempt),
// SCREENSHOT (a PNG path), SCREEN (where the terminal's text is written
// at the end), SPOOF (optional: an X-Real-IP header the candidate sends,
// to show that it does not choose who they are).
'use strict';
const fs = require('fs');
const puppeteer = require('puppeteer-core');

const env = (k, d) => process.env[k] !== undefined ? process.env[k] : d;
const mode = env('MODE', 'submit');

// The terminal's text: shellinabox renders its screen as text in #vt100
// (the console and the scroll-back); the page's own text is the fallback.
function screen(page) {
	return page.evaluate(() => {
		const t = document.getElementById('vt100');
		return (t || document.body).innerText.replace(/\u00a0/g, ' ');
	});
}

async function until(page, name, test, ms) {
	const end = Date.now() + ms;
	let text = '';
	while (Date.now() < end) {
		text = await screen(page);
		if (test(text)) {
			console.log('reached ' + name);
			return text;
		}
		await new Promise(r => setTimeout(r, 150));
	}
	console.log('missed ' + name);
	for (const l of text.split('\n').filter(l => l.trim()).slice(-25))
		console.log('# ' + l.trimEnd());
	throw new Error('missed ' + name);
}

async function type(page, line) {
	await page.keyboard.type(line, {delay: 5});
	await page.keyboard.press('Enter');
}

(async () => {
	const args = ['--no-first-run', '--disable-gpu'];
	if (process.getuid && process.getuid() === 0)
		args.push('--no-sandbox');
	const browser = await puppeteer.launch({
		executablePath: '/usr/bin/chromium',
		headless: true,
		// the test's certificate is self-signed; curl checks it against
		// the certificate itself (0500-web-exam.sh)
		acceptInsecureCerts: true,
		args,
	});
	let page;
	try {
		page = await browser.newPage();
		await page.setViewport({width: 1000, height: 700});
		await page.authenticate({username: env('WEB_USER'), password: env('WEB_PASSWORD')});
		if (env('SPOOF', ''))
			await page.setExtraHTTPHeaders({'X-Real-IP': env('SPOOF')});
		const resp = await page.goto(env('URL'), {waitUntil: 'load'});
		console.log('status ' + resp.status());
		if (mode === 'again') {
			// a second tab while the first attempt still runs
			await until(page, 'refused', t => t.includes('still running'), 20000);
			return;
		}
		await until(page, 'brief', t => t.includes('Press Enter to start'), 20000);
		await page.screenshot({path: env('SCREENSHOT')});
		console.log('reached screenshot');
		await page.click('#vt100');
		await page.keyboard.press('Enter');
		await until(page, 'prompt', t => t.includes('left] candidate@lab'), 20000);
		await type(page, 'lab time');
		await until(page, 'lab-time', t => /\d+:\d\d left of \d+:\d\d/.test(t), 10000);
		if (mode === 'close') {
			await type(page, 'echo typo > ~/answers/cause.txt; echo written-$((6*7))');
			await until(page, 'answer-written', t => t.includes('written-42'), 10000);
			await page.close();
			console.log('reached tab-closed');
			console.log('closed-at ' + Date.now());
		} else {
			await type(page, 'sed -i s/broken/fixed/ /etc/app/config.txt; echo typo > ~/answers/cause.txt; lab submit -y');
			await until(page, 'exam-over', t => t.includes('The exam is over.'), 30000);
		}
	} finally {
		if (page && !page.isClosed())
			fs.writeFileSync(env('SCREEN'), await screen(page));
		await browser.close();
	}
})().catch(e => {
	if (!/^missed /.test(e.message))
		console.log('missed run: ' + e.message.split('\n')[0]);
	process.exit(1);
});

/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- test tooling that drives a headless Chromium on the developer's machine, not code shipped to n8n */
/**
 * One headless Chromium on n8n's editor: signs in through the sign-in form, opens a workflow with a
 * node's panel (NDV) open, and reads the panel the way a user sees it.
 *
 * Selectors are n8n 2.40's own data-test-id attributes (the ones n8n's Playwright tests use).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';

import { sleep, until } from '../n8n/instance';

/** One top-level parameter of the Parameters tab as shown. */
export interface ShownParameter {
	/** The parameter's name (the label's `for`). */
	name: string;
	label: string;
	/** n8n's "parameter issues" marker (a red triangle) is shown next to it. */
	hasIssues: boolean;
	/** The value shown in its input(s), as text; '' when empty. */
	value: string;
	/** It is a number input. */
	isNumber: boolean;
	/** Its value shows in an expression editor. */
	isExpression: boolean;
}

export interface PanelReading {
	labels: string[];
	parameters: ShownParameter[];
	/** The visible text of the parameters pane (and visible input values), without expression editors. */
	plainText: string;
	/** Visible notices and hints of the pane. */
	notices: string[];
}

export interface DialogReading {
	/** Field labels, without the required marker. */
	labels: string[];
	/** Each visible field by parameter name, with what its input holds. */
	fields: Record<string, string>;
	notices: string[];
	/** Read-only fields with a copy button (the OAuth Redirect URL). */
	copyFields: Array<{ label: string; value: string }>;
	text: string;
}

/** Where expressions are edited or previewed: a `{{` there is an expression, not a leak. */
/*
 * The functions given to page.evaluate run in the page. The repository compiles for Node, without
 * the DOM library (adding it would clash with Node's fetch types elsewhere), so the few page
 * globals they use are declared loosely here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type PageElement = any;
declare const document: PageElement;
declare const localStorage: PageElement;
declare const NodeFilter: PageElement;

const EXPRESSION_AREAS = [
	'.cm-editor',
	'[data-test-id="inline-expression-editor-input"]',
	'[data-test-id="inline-expression-editor-output"]',
	'[data-test-id="parameter-expression-preview-value"]',
	'[data-test-id="expression-output"]',
].join(',');

export class Editor {
	private constructor(
		private readonly browser: Browser,
		readonly page: Page,
		readonly baseUrl: string,
	) {}

	static async launch(baseUrl: string): Promise<Editor> {
		const browser = await puppeteer.launch({
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			headless: true,
			// containers and CI runners have no user namespaces for Chromium's sandbox
			args: ['--no-sandbox', '--disable-dev-shm-usage'],
			// tall enough that most panels fit without scrolling in the screenshot
			defaultViewport: { width: 1600, height: 1200 },
		});
		const page = await browser.newPage();
		page.setDefaultTimeout(20_000);
		// a workflow changed in the editor asks "leave without saving?" when a check moves on
		page.on('dialog', (dialog) => void dialog.accept());
		return new Editor(browser, page, baseUrl);
	}

	async close(): Promise<void> {
		await this.browser.close();
	}

	/** Signs in through the form, as a user does: n8n binds its auth cookie to the browser's id. */
	async signIn(email: string, password: string): Promise<void> {
		await this.page.goto(`${this.baseUrl}/signin`, { waitUntil: 'domcontentloaded' });
		await this.page.waitForSelector('#emailOrLdapLoginId');
		await this.page.type('#emailOrLdapLoginId', email);
		await this.page.type('#password', password);
		await this.page.click('[data-test-id="form-submit-button"]');
		const left = await until(() => !this.page.url().includes('/signin'), 20_000);
		if (!left) throw new Error(`still on the sign-in page: ${await this.textOf('body')}`);
	}

	/** The editor's own REST API from inside the page (with its cookie and browser id). */
	async rest(
		method: string,
		route: string,
		body?: unknown,
	): Promise<{ status: number; json: unknown }> {
		return await this.page.evaluate(
			async (method, route, body) => {
				const response = await fetch(route, {
					method,
					headers: {
						'content-type': 'application/json',
						'browser-id': localStorage.getItem('n8n-browserId') ?? '',
					},
					body: body === undefined ? undefined : JSON.stringify(body),
				});
				const text = await response.text();
				let json: unknown;
				try {
					json = JSON.parse(text);
				} catch {
					json = text;
				}
				return { status: response.status, json };
			},
			method,
			route,
			body as never,
		);
	}

	/** Opens a workflow with one node's panel open (n8n's /workflow/<id>/<node id> route). */
	async openNode(workflowId: string, nodeId: string): Promise<void> {
		await this.page.goto(`${this.baseUrl}/workflow/${workflowId}/${nodeId}`, {
			waitUntil: 'domcontentloaded',
		});
		await this.page.waitForSelector(
			'[data-test-id="ndv"] [data-test-id="node-parameters"] [data-test-id="parameter-item"]',
			{ visible: true },
		);
		// the panel fills in over a few frames (credentials, locators); wait until its text stops changing
		let previous = '';
		await until(async () => {
			const now = await this.textOf('[data-test-id="node-parameters"]');
			const steady = now === previous;
			previous = now;
			return steady;
		}, 5_000);
	}

	async textOf(selector: string): Promise<string> {
		return await this.page.evaluate(
			(selector) => (document.querySelector(selector) as PageElement | null)?.innerText ?? '',
			selector,
		);
	}

	async screenshot(file: string, selector = '[data-test-id="ndv"]'): Promise<void> {
		mkdirSync(path.dirname(file), { recursive: true });
		const element = await this.page.$(selector);
		if (element) await element.screenshot({ path: file });
		else await this.page.screenshot({ path: file });
	}

	/** Reads the Parameters tab: labels, each parameter's value and issue marker, the plain text, notices. */
	async readPanel(): Promise<PanelReading> {
		return await this.page.evaluate((expressionAreas) => {
			const pane = document.querySelector('[data-test-id="node-parameters"]') as PageElement;
			const visible = (element: PageElement) =>
				(element as PageElement).checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
			const inExpression = (element: PageElement) => element.closest(expressionAreas) !== null;
			// top-level items only: those of a collection or fixed collection sit inside another item
			const items = [...pane.querySelectorAll('[data-test-id="parameter-item"]')].filter(
				(item) =>
					visible(item) && item.parentElement?.closest('[data-test-id="parameter-item"]') === null,
			);
			const parameters = items.flatMap((item) => {
				// n8n may render the Credential slot inside the first parameter's item: skip its label
				const label = [...item.querySelectorAll('[data-test-id="input-label"] label')].find(
					(candidate) =>
						candidate.closest('[data-test-id="node-credentials-slot"]') === null &&
						candidate.closest('[data-test-id="parameter-item"]') === item,
				);
				if (!label) return [];
				const title =
					(label.querySelector('.n8n-text') as PageElement | null)?.innerText ??
					(label as PageElement).innerText;
				const name = label.getAttribute('for') ?? '';
				const input = item.querySelector('[data-test-id="parameter-input"]') ?? item;
				const isExpression = input.querySelector(expressionAreas) !== null;
				const values = [...input.querySelectorAll('input, textarea')]
					.filter(
						(field) =>
							visible(field) &&
							!inExpression(field) &&
							(field as PageElement).placeholder !== 'Mode...',
					)
					.map((field) => (field as PageElement).value);
				const tags = [...input.querySelectorAll('.el-select__tags-text, .el-tag')]
					.filter(visible)
					.map((tag) => (tag as PageElement).innerText);
				const expression = [...input.querySelectorAll('.cm-content')].map(
					(editor) => (editor as PageElement).innerText,
				);
				return [
					{
						name,
						label: title.replace(/\s*\*\s*$/, '').trim(),
						hasIssues: item.querySelector('[data-test-id="parameter-issues"]') !== null,
						value: [...values, ...tags, ...expression].join(' ').trim(),
						isNumber:
							input.querySelector('[data-test-id="input-number"], input[role="spinbutton"]') !==
							null,
						isExpression,
					},
				];
			});
			// every visible text node outside expression editors, and what visible plain inputs hold
			const texts: string[] = [];
			const walker = document.createTreeWalker(pane, NodeFilter.SHOW_TEXT);
			for (let node = walker.nextNode(); node; node = walker.nextNode()) {
				const parent = node.parentElement;
				if (!parent || !node.textContent?.trim() || inExpression(parent) || !visible(parent))
					continue;
				texts.push(node.textContent.trim());
			}
			for (const field of pane.querySelectorAll('input, textarea')) {
				const input = field as PageElement;
				if (input.type !== 'password' && visible(input) && !inExpression(input) && input.value)
					texts.push(input.value);
			}
			const notices = [
				...pane.querySelectorAll('.notice, .n8n-notice, [data-test-id="parameter-input-hint"]'),
			]
				.filter(visible)
				.map((notice) => (notice as PageElement).innerText.trim());
			return {
				labels: parameters.map((parameter) => parameter.label),
				parameters,
				plainText: texts.join('\n'),
				notices,
			};
		}, EXPRESSION_AREAS);
	}

	/** Reads a dialog (the credential dialog): field labels and names, values, notices, copy fields. */
	async readDialog(root: string): Promise<DialogReading> {
		return await this.page.evaluate((root) => {
			const dialog = document.querySelector(root) as PageElement;
			if (!dialog) return { labels: [], fields: {}, notices: [], copyFields: [], text: '' };
			const visible = (element: PageElement) =>
				element.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
			// a credential field's label sits in a container named after the field, not "input-label"
			const labels = [...dialog.querySelectorAll('label.n8n-input-label')]
				.filter(visible)
				.map((label) =>
					((label.querySelector('.n8n-text') as PageElement | null)?.innerText ?? label.innerText)
						.replace(/\s*\*\s*$/, '')
						.trim(),
				);
			const fields: Record<string, string> = {};
			for (const field of dialog.querySelectorAll('[data-test-id^="parameter-input-"]')) {
				const name = (field.getAttribute('data-test-id') as string).slice(
					'parameter-input-'.length,
				);
				if (['field', 'hint'].includes(name) || !visible(field) || name in fields) continue;
				const input = field.querySelector('input, textarea') as PageElement | null;
				fields[name] = input?.value ?? '';
			}
			const notices = [...dialog.querySelectorAll('.notice, .n8n-notice')]
				.filter(visible)
				.map((notice) => (notice as PageElement).innerText.trim());
			const copyFields = [...dialog.querySelectorAll('[data-test-id="copy-input"]')]
				.filter(visible)
				.map((copy) => ({
					label:
						(copy.parentElement?.querySelector('label') as PageElement | null)?.innerText.trim() ??
						'',
					value: (copy.querySelector('span') as PageElement | null)?.innerText.trim() ?? '',
				}));
			return { labels, fields, notices, copyFields, text: dialog.innerText as string };
		}, root);
	}

	/** Hovers the help icon of every visible field label under `root` and reads its tooltip. */
	async labelTooltips(root: string): Promise<Array<{ label: string; text: string }>> {
		const found: Array<{ label: string; text: string }> = [];
		for (const label of await this.page.$$(`${root} label.n8n-input-label`)) {
			if (!(await label.evaluate((element: PageElement) => element.checkVisibility()))) continue;
			const title = await label.evaluate((element) =>
				((element.querySelector('.n8n-text') as PageElement | null)?.innerText ?? '')
					.replace(/\s*\*\s*$/, '')
					.trim(),
			);
			await label.scrollIntoView();
			await label.hover();
			const icon = await label.$('[data-icon="circle-help"]');
			if (!icon) continue;
			await icon.hover();
			found.push({ label: title, text: await this.openTooltip() });
			await this.page.mouse.move(5, 5);
			await until(async () => (await this.openTooltip(0)) === '', 2_000);
		}
		return found;
	}

	/** Hovers each top-level parameter's help icon and reads the tooltip n8n opens for it. */
	async tooltips(): Promise<Array<{ label: string; text: string }>> {
		const found: Array<{ label: string; text: string }> = [];
		const items = await this.page.$$(
			'[data-test-id="node-parameters"] [data-test-id="parameter-item"]',
		);
		for (const item of items) {
			const top = await item.evaluate(
				(element: PageElement) =>
					element.checkVisibility() &&
					element.parentElement?.closest('[data-test-id="parameter-item"]') === null,
			);
			if (!top) continue;
			const label = (
				await item.evaluateHandle((element: PageElement) =>
					[...element.querySelectorAll('[data-test-id="input-label"] label')].find(
						(candidate) =>
							candidate.closest('[data-test-id="node-credentials-slot"]') === null &&
							candidate.closest('[data-test-id="parameter-item"]') === element,
					),
				)
			).asElement() as ElementHandle | null;
			if (!label) continue;
			const title = await label.evaluate((element) =>
				((element.querySelector('.n8n-text') as PageElement | null)?.innerText ?? '').trim(),
			);
			await label.scrollIntoView();
			// the icon shows only while the label is hovered
			await label.hover();
			const icon = await label.$('[data-icon="circle-help"]');
			if (!icon) continue;
			await icon.hover();
			const text = await this.openTooltip();
			found.push({ label: title, text });
			await this.page.mouse.move(5, 5);
			await until(async () => (await this.openTooltip(0)) === '', 2_000);
		}
		return found;
	}

	/** The text of the tooltip that is open, waiting up to `waitMs` for one; '' when none opens. */
	private async openTooltip(waitMs = 1_500): Promise<string> {
		let text = '';
		await until(async () => {
			text = await this.page.evaluate(() =>
				[...document.querySelectorAll('.n8n-tooltip')]
					.filter((tip) => (tip as PageElement).checkVisibility())
					.map((tip) => (tip as PageElement).innerText.trim())
					.join('\n'),
			);
			return text !== '';
		}, waitMs);
		return text;
	}

	/** The first visible element matching `selector` whose text is `text`. */
	async byText(
		selector: string,
		text: string | RegExp | ((shown: string) => boolean),
	): Promise<ElementHandle | undefined> {
		for (const element of await this.page.$$(selector)) {
			const shown = await element.evaluate((e: PageElement) =>
				(e as PageElement).checkVisibility() ? (e as PageElement).innerText.trim() : '',
			);
			const match =
				typeof text === 'string'
					? shown === text
					: text instanceof RegExp
						? text.test(shown)
						: text(shown);
			if (shown !== '' && match) return element;
		}
		return undefined;
	}

	async pause(ms: number): Promise<void> {
		await sleep(ms);
	}
}

/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test tooling that runs in plain Node, not code shipped to n8n Cloud */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A web server in front of the portal that is not the portal: a proxy or a firewall answering
 * every request with its own HTML page, whose title may echo the URL asked for (secret included).
 */
export interface PageServer {
	/** `http://127.0.0.1:<port>` */
	origin: string;
	/** the full URL of each request, as asked for */
	requested: string[];
	close(): Promise<void>;
}

export async function startPageServer(
	status: number,
	title: (url: string) => string,
): Promise<PageServer> {
	const requested: string[] = [];
	let origin = '';
	const server = createServer((req, res) => {
		const url = `${origin}${req.url ?? ''}`;
		requested.push(url);
		res.writeHead(status, { 'Content-Type': 'text/html' });
		res.end(`<html><head><title>${title(url)}</title></head><body>Denied</body></html>`);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		origin,
		requested,
		close: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

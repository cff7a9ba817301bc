/**
 * The OAuth side of the sandbox: local applications, the authorize step, the token server
 * (standing in for oauth.bitrix.info) and the access tokens REST calls carry.
 */
import { randomBytes } from 'node:crypto';

import { phpString, type PhpParams } from './php';
import { randomSecret, type Caller } from './portal';
import type { OAuthApp, OAuthAppSpec, OAuthTokens, StatisticsAccess } from './types';

/** n8n's OAuth2 callback on a local instance. */
const DEFAULT_HANDLER_URL = 'http://localhost:5678/rest/oauth2-credential/callback';
const DEFAULT_ACCESS_TOKEN_LIFETIME_S = 3600;
export const DEFAULT_CODE_LIFETIME_MS = 30_000;
/** Bitrix24's refresh tokens live 28 days. */
const REFRESH_TOKEN_LIFETIME_MS = 28 * 24 * 3600 * 1000;

interface App {
	/** The object addOAuthApp returned: revokeApp shows on it. */
	app: OAuthApp;
	userId: number;
	canManageNumbers: boolean;
	callStatistics: StatisticsAccess;
	accessTokenLifetimeS: number;
}

interface Grant {
	clientId: string;
	userId: number;
	expiresAt: number;
	/** Codes and refresh tokens work once. */
	used: boolean;
}

export interface TokenError {
	status: number;
	error: string;
	error_description: string;
}

export type TokenAnswer = { ok: true; tokens: OAuthTokens } | { ok: false; answer: TokenError };

export type AuthorizeAnswer = { ok: true; location: string } | { ok: false; message: string };

/** What an access token on a REST call stands for. */
export type TokenCheck =
	| { ok: true; caller: Caller }
	| { ok: false; error: 'invalid_token' | 'expired_token'; appId?: string };

const invalidClient = (): TokenAnswer => fail(401, 'invalid_client', 'Invalid client credentials');
const invalidGrant = (description: string): TokenAnswer => fail(400, 'invalid_grant', description);
const invalidRequest = (description: string): TokenAnswer =>
	fail(400, 'invalid_request', description);

function fail(status: number, error: string, description: string): TokenAnswer {
	return { ok: false, answer: { status, error, error_description: description } };
}

/** Bitrix24's tokens and codes are long hex-like strings. */
function newToken(): string {
	return randomBytes(35).toString('hex');
}

function newClientId(): string {
	const digits = String(randomBytes(4).readUInt32BE() % 100_000_000).padStart(8, '0');
	return `local.${randomBytes(7).toString('hex')}.${digits}`;
}

export class OAuthServer {
	/** Every client secret, code and token ever issued, so the request log can hide them. */
	readonly secrets = new Set<string>();

	private readonly apps = new Map<string, App>();
	private readonly codes = new Map<string, Grant>();
	private readonly accessTokens = new Map<string, Omit<Grant, 'used'>>();
	private readonly refreshTokens = new Map<string, Grant>();

	constructor(
		private readonly baseUrl: string,
		private readonly memberId: string,
		private readonly codeLifetimeMs: number,
		private readonly now: () => number = Date.now,
	) {}

	addApp(spec: OAuthAppSpec = {}): OAuthApp {
		const clientId = spec.clientId ?? newClientId();
		if (this.apps.has(clientId)) throw new Error(`An application ${clientId} exists already`);
		const app: OAuthApp = {
			clientId,
			clientSecret: spec.clientSecret ?? randomSecret(50),
			handlerUrl: spec.handlerUrl ?? DEFAULT_HANDLER_URL,
			scopes: [...(spec.scopes ?? ['telephony'])],
			revoked: false,
		};
		this.apps.set(clientId, {
			app,
			userId: spec.userId ?? 1,
			canManageNumbers: spec.canManageNumbers ?? true,
			callStatistics: spec.callStatistics ?? 'any',
			accessTokenLifetimeS: spec.accessTokenLifetimeS ?? DEFAULT_ACCESS_TOKEN_LIFETIME_S,
		});
		this.secrets.add(app.clientSecret);
		return app;
	}

	/**
	 * The user (the application's) has approved the application: the browser goes back to the
	 * handler with a code. The redirect address must be on the handler's origin.
	 */
	authorize(params: PhpParams): AuthorizeAnswer {
		const found = this.apps.get(phpString(params.client_id));
		if (!found || found.app.revoked)
			return { ok: false, message: 'The application is not installed on this portal.' };
		const given = params.redirect_uri;
		const target = given === undefined || given === '' ? found.app.handlerUrl : phpString(given);
		let location: URL;
		try {
			location = new URL(target);
		} catch {
			return { ok: false, message: 'The redirect address is not valid.' };
		}
		if (location.origin !== new URL(found.app.handlerUrl).origin)
			return { ok: false, message: "The redirect address is not on the application's host." };
		const code = this.newCode(found);
		const host = new URL(this.baseUrl).host;
		const query = location.searchParams;
		query.set('code', code);
		if (params.state !== undefined) query.set('state', phpString(params.state));
		query.set('domain', host);
		query.set('member_id', this.memberId);
		query.set('scope', found.app.scopes.join(','));
		query.set('server_domain', host);
		return { ok: true, location: location.toString() };
	}

	/** grant_type authorization_code or refresh_token; the client authenticates in the params. */
	token(params: PhpParams): TokenAnswer {
		const grantType = phpString(params.grant_type);
		if (grantType !== 'authorization_code' && grantType !== 'refresh_token')
			return invalidRequest(
				grantType === ''
					? 'The grant type was not specified in the request'
					: 'Unsupported grant type',
			);
		const found = this.apps.get(phpString(params.client_id));
		if (!found || found.app.clientSecret !== phpString(params.client_secret))
			return invalidClient();
		return grantType === 'authorization_code'
			? this.exchangeCode(found, phpString(params.code))
			: this.refresh(found, phpString(params.refresh_token));
	}

	/** Authorize and exchange in one step, without HTTP. */
	issueTokens(clientId: string, userId?: number): OAuthTokens {
		const found = this.apps.get(clientId);
		if (!found) throw new Error(`No application ${clientId}`);
		if (found.app.revoked) throw new Error(`The application ${clientId} was revoked`);
		const answer = this.exchangeCode(found, this.newCode(found, userId));
		if (!answer.ok) throw new Error(answer.answer.error_description);
		return answer.tokens;
	}

	expireAccessTokens(clientId?: string): void {
		if (clientId !== undefined && !this.apps.has(clientId))
			throw new Error(`No application ${clientId}`);
		const now = this.now();
		for (const token of this.accessTokens.values()) {
			if (clientId === undefined || token.clientId === clientId)
				token.expiresAt = Math.min(token.expiresAt, now);
		}
	}

	revoke(clientId: string): void {
		const found = this.apps.get(clientId);
		if (!found) throw new Error(`No application ${clientId}`);
		found.app.revoked = true;
	}

	checkAccessToken(token: string): TokenCheck {
		const grant = this.accessTokens.get(token);
		const found = grant && this.apps.get(grant.clientId);
		if (!grant || !found || found.app.revoked) return { ok: false, error: 'invalid_token' };
		if (this.now() >= grant.expiresAt)
			return { ok: false, error: 'expired_token', appId: grant.clientId };
		return {
			ok: true,
			caller: {
				// Operating time is the application's, whichever user it acts for.
				key: `app:${grant.clientId}`,
				appId: grant.clientId,
				via: 'oauth',
				userId: grant.userId,
				scopes: found.app.scopes,
				canManageNumbers: found.canManageNumbers,
				callStatistics: found.callStatistics,
			},
		};
	}

	private newCode(found: App, userId = found.userId): string {
		const code = newToken();
		this.codes.set(code, {
			clientId: found.app.clientId,
			userId,
			expiresAt: this.now() + this.codeLifetimeMs,
			used: false,
		});
		this.secrets.add(code);
		return code;
	}

	private exchangeCode(found: App, code: string): TokenAnswer {
		if (code === '') return invalidRequest('Missing parameter: "code" is required');
		const grant = this.codes.get(code);
		if (!grant || grant.used || grant.clientId !== found.app.clientId)
			return invalidGrant('Authorization code does not exist or is invalid for the client');
		grant.used = true;
		if (this.now() >= grant.expiresAt) return invalidGrant('The authorization code has expired');
		if (found.app.revoked) return invalidGrant('The application was uninstalled');
		return { ok: true, tokens: this.newTokens(found, grant.userId) };
	}

	private refresh(found: App, refreshToken: string): TokenAnswer {
		if (refreshToken === '')
			return invalidRequest('Missing parameter: "refresh_token" is required');
		const grant = this.refreshTokens.get(refreshToken);
		if (!grant || grant.used || grant.clientId !== found.app.clientId)
			return invalidGrant('Invalid refresh token');
		if (this.now() >= grant.expiresAt) return invalidGrant('Refresh token has expired');
		if (found.app.revoked) return invalidGrant('The application was uninstalled');
		// Rotation: the old refresh token is spent; the old access token lives out its hour.
		grant.used = true;
		return { ok: true, tokens: this.newTokens(found, grant.userId) };
	}

	private newTokens(found: App, userId: number): OAuthTokens {
		const now = this.now();
		const clientId = found.app.clientId;
		const accessToken = newToken();
		const refreshToken = newToken();
		const lifetimeS = found.accessTokenLifetimeS;
		this.accessTokens.set(accessToken, { clientId, userId, expiresAt: now + lifetimeS * 1000 });
		this.refreshTokens.set(refreshToken, {
			clientId,
			userId,
			expiresAt: now + REFRESH_TOKEN_LIFETIME_MS,
			used: false,
		});
		this.secrets.add(accessToken);
		this.secrets.add(refreshToken);
		const restEndpoint = `${this.baseUrl}/rest/`;
		// The field order of Bitrix24's answer.
		return {
			access_token: accessToken,
			expires: Math.floor(now / 1000) + lifetimeS,
			expires_in: lifetimeS,
			scope: found.app.scopes.join(','),
			domain: new URL(this.baseUrl).host,
			server_endpoint: restEndpoint,
			status: 'L',
			client_endpoint: restEndpoint,
			member_id: this.memberId,
			user_id: userId,
			refresh_token: refreshToken,
		};
	}
}

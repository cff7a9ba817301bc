import type { OperatingLimit, RateLimit } from './limits';

export interface SandboxOptions {
	/** Default { burst: 50, perSecond: 2 }, like most real portals. */
	rateLimit?: RateLimit | false;
	/** Added before every answer; default 0. */
	latencyMs?: number;
	/** Default limit 420 s, 0.01 s per call, 60 s baskets (ten baskets make the window). */
	operating?: Partial<OperatingLimit>;
	/** `whenActive` (default): `time.operating*` only while the method's window sum is above 0. */
	operatingTimeFields?: OperatingTimeFields;
	/**
	 * `get` rows without PASSWORD and INCOMING_PASSWORD. The spec's portal returns them; this
	 * models the portals that do not (issue 10: "passwords cannot be read back on every portal").
	 */
	hidePasswords?: boolean;
	/** Cloud registrations advance one step per this many ms; null (default): on status reads only. */
	registrationStepMs?: number | null;
	/** A `hang` fault is answered with an nginx 504 page after this many ms; default: never. */
	requestTimeoutMs?: number;
	/**
	 * Serve HTTPS with the throwaway certificate in test/sandbox/tls (valid for 127.0.0.1);
	 * `expired` uses the same key in a certificate that expired in 2001.
	 */
	tls?: boolean | 'expired';
	/** Refuse plain-HTTP calls with 401 INVALID_REQUEST "Https required.", as Bitrix24 cloud does. */
	requireHttps?: boolean;
	/**
	 * Default 30000: the sandbox stops waiting for an outgoing-webhook receiver after this many ms
	 * and records the delivery as timed out (never retried).
	 */
	deliveryTimeoutMs?: number;
	/** How long an authorization code from /oauth/authorize/ can be exchanged; default 30000. */
	oauthCodeLifetimeMs?: number;
}

export type OperatingTimeFields = 'whenActive' | 'never';

/**
 * The telephony permission "Call statistics → View" of the webhook's user: `any` sees every call;
 * `department` silently only the calls whose PORTAL_USER_ID is the user or a colleague (a user who
 * shares one of the user's departments, see setUserDepartments); `own` only the user's; `none` is
 * refused (403).
 */
export type StatisticsAccess = 'any' | 'department' | 'own' | 'none';

export interface WebhookSpec {
	userId?: number;
	secret?: string;
	scopes?: string[];
	canManageNumbers?: boolean;
	/** Default `any`. */
	callStatistics?: StatisticsAccess;
}

export interface Webhook {
	id: string;
	userId: number;
	secret: string;
	scopes: string[];
	canManageNumbers: boolean;
	callStatistics: StatisticsAccess;
	/** `${baseUrl}/rest/${userId}/${secret}/` */
	url: string;
}

/** A local application installed on the portal, authorized by one user (see addOAuthApp). */
export interface OAuthAppSpec {
	/** Default `local.<14 hex>.<8 digits>`, as Bitrix24 names local applications. */
	clientId?: string;
	/** Default random 50 characters. */
	clientSecret?: string;
	/** Its redirect address; default n8n's `http://localhost:5678/rest/oauth2-credential/callback`. */
	handlerUrl?: string;
	/** Default ['telephony']. */
	scopes?: string[];
	/** The user who authorizes it; its calls run as this user. Default 1. */
	userId?: number;
	/** The user's "Manage numbers — modify"; default true. */
	canManageNumbers?: boolean;
	/** The user's "Call statistics → View"; default `any`. */
	callStatistics?: StatisticsAccess;
	/** Default 3600, as Bitrix24's. */
	accessTokenLifetimeS?: number;
}

export interface OAuthApp {
	clientId: string;
	clientSecret: string;
	handlerUrl: string;
	scopes: string[];
	/** Set by revokeApp (the application was uninstalled). */
	revoked: boolean;
}

/** What the token endpoint answers; Bitrix24 sends no token_type. */
export interface OAuthTokens {
	access_token: string;
	/** Unix seconds. */
	expires: number;
	expires_in: number;
	/** The application's scopes, comma-separated. */
	scope: string;
	/** The portal's host, e.g. `127.0.0.1:PORT`. */
	domain: string;
	server_endpoint: string;
	status: 'L';
	/** `${baseUrl}/rest/`: where the REST calls go. */
	client_endpoint: string;
	member_id: string;
	user_id: number;
	refresh_token: string;
}

/** One request to /oauth/authorize/ or /oauth/token/; never a code, token or secret. */
export interface OAuthLogEntry {
	at: number;
	endpoint: 'authorize' | 'token';
	httpMethod: string;
	grantType?: string;
	clientId?: string;
	status: number;
	error?: string;
}

export type FaultKind =
	| 'http500'
	| 'html502'
	| 'html504'
	| 'reset'
	| 'hang'
	| 'lostAfterRun'
	| 'overload'
	| 'redirect301'
	| 'redirect302'
	| 'truncated200'
	| 'truncatedAfterRun'
	| 'phpNoticeAfterRun';

export interface FaultOptions {
	/** Only requests calling one of these methods (directly or inside a batch). */
	restMethods?: string[];
	/** Redirects: the origin the same path is sent to; default https://moved-portal.example.com. */
	location?: string;
}

/** An error answer of the spec; `extra` fields (e.g. `argument`) follow error_description. */
export interface InjectedError {
	status: number;
	error: string;
	description: string;
	extra?: Record<string, unknown>;
}

export type BeforeCallHook = (restMethod: string, params: Record<string, unknown>) => void;

export interface LogBatchCommand {
	key: string;
	restMethod: string;
	params: Record<string, unknown>;
	error?: string;
}

export interface LogEntry {
	seq: number;
	at: number;
	httpMethod: string;
	/** The request path with the webhook secret replaced by ***. */
	path: string;
	restMethod: string;
	webhookId?: string;
	/** How an OAuth access token came: the Authorization header or the `auth` parameter. */
	auth?: 'bearer' | 'param';
	/** The OAuth application the token belongs to (its client id). */
	appId?: string;
	params: Record<string, unknown>;
	contentType: string;
	/** 0 when no answer was sent (reset, hang, lostAfterRun). */
	status: number;
	error?: string;
	fault?: FaultKind;
	batchCommands?: LogBatchCommand[];
}

export type RegistrationResult = 'success' | 'error' | 'in_progress' | 'wait';

export interface RegistrationState {
	regId: number;
	configId: number;
	STATUS_RESULT: RegistrationResult;
	/** SIP code of the last finished attempt; null while none has finished. */
	STATUS_CODE: number | null;
	ERROR_MESSAGE: string;
	/** Portal time, "YYYY-MM-DD HH:MM:SS". */
	LAST_UPDATED: string;
	/** Set by breakRegistration(): deleting the line fails with REG_ID_NOT_FOUND. */
	broken: boolean;
}

export type LineType = 'cloud' | 'office';

export interface SandboxLine {
	/** Client id of the OAuth application that owns the line; '' for webhook and UI lines. */
	appId: string;
	/** Row id of the SIP settings (the `ID` field); differs from configId. */
	id: number;
	configId: number;
	type: LineType;
	title: string;
	server: string;
	login: string;
	password: string;
	regId: number | null;
	incomingServer: string | null;
	incomingLogin: string | null;
	incomingPassword: string | null;
	registration: RegistrationState | null;
	isDefaultOutgoing: boolean;
	/** DETECT_LINE_NUMBER = Y: incoming calls are stored under the number the SIP headers carry. */
	detectLineNumber: boolean;
}

/** A line as given to addLineByHand / addAppLine; normalised like voximplant.sip.add. */
export interface LineSpec {
	type?: LineType;
	title?: string;
	server: string;
	login: string;
	password?: string;
}

/** A rented number: a telephony config that is not a SIP line. */
export interface SandboxNumber {
	configId: number;
	number: string;
	title: string;
	isDefaultOutgoing: boolean;
}

export interface ConnectorState {
	FREE_MINUTES: number;
	PAID: boolean;
	PAID_DATE_END?: string;
}

export type ServerBehaviour =
	| { statusCode: number; errorMessage?: string }
	| { requirePassword: string };

export interface ForcedRegistration {
	STATUS_RESULT: RegistrationResult;
	STATUS_CODE?: number;
	ERROR_MESSAGE?: string;
}

/** A finished call to put into the portal's history (see Bitrix24Sandbox.placeCall). */
export interface CallSpec {
	/**
	 * A config id: a SIP line (cloud → PORTAL_NUMBER `reg<REG_ID>`, office → its INCOMING_LOGIN) or
	 * a rented number (→ the number). Without configId and portalNumber: the default outgoing line.
	 */
	configId?: number;
	/** A raw PORTAL_NUMBER instead (e.g. `REST_APP:12`, a number, a deleted line's `reg123`). */
	portalNumber?: string;
	/** CALL_FAILED_CODE, default '200'. */
	code?: string;
	/** CALL_FAILED_REASON; default the server's English text for the code, '' for unknown codes. */
	reason?: string;
	/** Seconds; default 60 when code is '200', else 0. */
	duration?: number;
	/**
	 * CALL_TYPE 1..5 (outgoing, incoming, incoming redirected, callback, infocall); default 1. The
	 * row and CallEnd carry it as given; CallInit only 1 or 2 (a REST app's call: as given).
	 */
	type?: number;
	/** The client's number, default '+74951112233'. */
	phoneNumber?: string;
	/**
	 * PORTAL_USER_ID, default 1. Infocalls (type 5) always have none (null); null on another type is
	 * stored as 0, as the server's intval() of "no responsible user found".
	 */
	userId?: number | null;
	/** Default: now - duration. */
	startedAt?: Date | number;
	/** An incoming call on a line with DETECT_LINE_NUMBER=Y: PORTAL_NUMBER becomes this number. */
	detectedNumber?: string;
	/** Default 0. */
	cost?: number;
	/** Default 'RUB'. */
	costCurrency?: string;
	/**
	 * CRM_ACTIVITY_ID; default a new activity id per call (CRM on, as on most portals). null: CRM off,
	 * so the row has null and CallEnd carries no CRM_ACTIVITY_ID at all.
	 */
	crmActivityId?: number | null;
	/** CRM_ENTITY_TYPE / CRM_ENTITY_ID of the row (e.g. CONTACT, 275); default null. */
	crmEntityType?: string;
	crmEntityId?: number;
}

export interface OutgoingWebhookSpec {
	url: string;
	/** Default ['ONVOXIMPLANTCALLEND']; also ONVOXIMPLANTCALLINIT, ONVOXIMPLANTCALLSTART (any case). */
	events?: string[];
	/** The application token; default random 32 characters. */
	token?: string;
}

export interface OutgoingWebhook {
	id: number;
	url: string;
	/** Upper case. */
	events: string[];
	token: string;
	/** event → its handler id (event_handler_id): each event is a separate handler. */
	handlerIds: Record<string, number>;
}

/** One POST of an event to an outgoing webhook; never retried. */
export interface Delivery {
	handlerId: number;
	event: string;
	url: string;
	callId: string;
	/** The form body exactly as sent (it carries the token: test tooling only). */
	body: string;
	/** 0 when no answer. */
	status: number;
	ms: number;
	timedOut: boolean;
	error?: string;
	responseText: string;
}

export interface DeliveryOptions {
	/** Send a token that is not the webhook's: models a forged sender. */
	wrongToken?: boolean;
}

export interface PlacedCall {
	callId: string;
	/** The statistics row as voximplant.statistic.get returns it. */
	row: Record<string, string | null>;
	deliveries: Delivery[];
}

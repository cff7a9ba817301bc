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
}

export type OperatingTimeFields = 'whenActive' | 'never';

export interface WebhookSpec {
	userId?: number;
	secret?: string;
	scopes?: string[];
	canManageNumbers?: boolean;
}

export interface Webhook {
	id: string;
	userId: number;
	secret: string;
	scopes: string[];
	canManageNumbers: boolean;
	/** `${baseUrl}/rest/${userId}/${secret}/` */
	url: string;
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

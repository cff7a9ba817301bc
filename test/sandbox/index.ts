export { Bitrix24Sandbox } from './server';
export type { InjectedError } from './server';
export type { OperatingLimit, RateLimit } from './limits';
export { buildQuery, parseQuery, phpJsonEncode, intval } from './php';
export type {
	ConnectorState,
	FaultKind,
	ForcedRegistration,
	LineType,
	LogBatchCommand,
	LogEntry,
	RegistrationResult,
	RegistrationState,
	SandboxLine,
	SandboxOptions,
	ServerBehaviour,
	Webhook,
	WebhookSpec,
} from './types';

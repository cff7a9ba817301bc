export { Bitrix24Sandbox } from './server';
export { LINK_BASE_NUMBER } from './portal';
export type { OperatingLimit, RateLimit } from './limits';
export { buildQuery, parseQuery, phpJsonEncode, intval } from './php';
export type {
	BeforeCallHook,
	ConnectorState,
	FaultKind,
	FaultOptions,
	ForcedRegistration,
	InjectedError,
	LineSpec,
	LineType,
	LogBatchCommand,
	LogEntry,
	OperatingTimeFields,
	RegistrationResult,
	RegistrationState,
	SandboxLine,
	SandboxNumber,
	SandboxOptions,
	ServerBehaviour,
	Webhook,
	WebhookSpec,
} from './types';

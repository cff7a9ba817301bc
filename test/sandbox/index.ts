export { Bitrix24Sandbox } from './server';
export { LINK_BASE_NUMBER } from './portal';
export type { OperatingLimit, RateLimit } from './limits';
export { buildQuery, parseQuery, phpJsonEncode, intval } from './php';
export type {
	BeforeCallHook,
	CallSpec,
	ConnectorState,
	Delivery,
	DeliveryOptions,
	FaultKind,
	FaultOptions,
	ForcedRegistration,
	InjectedError,
	LineSpec,
	LineType,
	LogBatchCommand,
	LogEntry,
	OperatingTimeFields,
	OutgoingWebhook,
	OutgoingWebhookSpec,
	PlacedCall,
	RegistrationResult,
	RegistrationState,
	SandboxLine,
	SandboxNumber,
	SandboxOptions,
	ServerBehaviour,
	StatisticsAccess,
	Webhook,
	WebhookSpec,
} from './types';

// What health.ts held now lives in modules named after their jobs; these re-exports keep the
// importers working until they import from those modules directly.
export {
	type PendingAs,
	type Registration,
	type RegistrationStatus,
	type StatusHealth,
	type StoredRegistration,
	explainSipCode,
	isHealthy,
	isPending,
	readStatus,
	SIP_CODES,
	statusHealth,
	storedRegistration,
	summarise,
} from './registration';
export {
	type LineCheck,
	readLinesToCheck,
	readRegistration,
	readRegistrations,
} from './registrationCheck';
export { type ConnectorReading, connectorWords, paidEndWords, readConnector } from './connector';
export { daysUntil } from './dates';
export { type LineIdentity, identityLabel as lineLabel, lineIdentity } from './lineIdentity';

import { portalDateTime } from './time';
import type {
	ForcedRegistration,
	RegistrationResult,
	RegistrationState,
	ServerBehaviour,
} from './types';

export const SIP_REASONS: Record<number, string> = {
	200: 'OK',
	401: 'Unauthorized',
	403: 'Forbidden',
	404: 'Not Found',
	407: 'Proxy Authentication Required',
	408: 'Request Timeout',
	480: 'Temporarily Unavailable',
	486: 'Busy Here',
	500: 'Server Internal Error',
	502: 'Bad Gateway',
	503: 'Service Unavailable',
	504: 'Server Time-out',
};

export interface Credentials {
	server: string;
	login: string;
	password: string;
}

interface Registration extends Credentials {
	regId: number;
	configId: number;
	result: RegistrationResult;
	code: number | null;
	message: string;
	updatedAt: number;
	/** When the current unsettled phase began (for registrationStepMs). */
	phaseSince: number;
	broken: boolean;
}

export function normaliseServer(server: string): string {
	return server.replace(/^https?:\/\//i, '').toLowerCase();
}

function isSettled(reg: Registration): boolean {
	return reg.result === 'success' || reg.result === 'error';
}

/** The SIP registrations Voximplant keeps for the portal's cloud lines. */
export class Registrations {
	private readonly byId = new Map<number, Registration>();
	private readonly behaviours = new Map<string, ServerBehaviour>();
	private lastRegId = 150900 + Math.floor(Math.random() * 50);

	constructor(
		private stepMs: number | null,
		private readonly now: () => number,
	) {}

	create(configId: number, credentials: Credentials): number {
		// Voximplant ids are global over all its customers, so they grow with gaps.
		this.lastRegId += 1 + Math.floor(Math.random() * 40);
		const at = this.now();
		this.byId.set(this.lastRegId, {
			...credentials,
			regId: this.lastRegId,
			configId,
			result: 'wait',
			code: null,
			message: '',
			updatedAt: at,
			phaseSince: at,
			broken: false,
		});
		return this.lastRegId;
	}

	/** New credentials: Voximplant registers again, starting at in_progress. */
	restart(regId: number, credentials: Credentials): void {
		const reg = this.byId.get(regId);
		if (!reg) return;
		Object.assign(reg, credentials);
		this.setPhase(reg, 'in_progress', null, '');
	}

	delete(regId: number): void {
		this.byId.delete(regId);
	}

	has(regId: number): boolean {
		return this.byId.has(regId);
	}

	isBroken(regId: number): boolean {
		return this.byId.get(regId)?.broken ?? false;
	}

	markBroken(regId: number): void {
		const reg = this.byId.get(regId);
		if (reg) reg.broken = true;
	}

	state(regId: number): RegistrationState | undefined {
		const reg = this.byId.get(regId);
		if (!reg) return undefined;
		this.catchUp(reg);
		return {
			regId: reg.regId,
			configId: reg.configId,
			STATUS_RESULT: reg.result,
			STATUS_CODE: reg.code,
			ERROR_MESSAGE: reg.message,
			LAST_UPDATED: portalDateTime(reg.updatedAt),
			broken: reg.broken,
		};
	}

	/** Called after a status read was answered: without a step interval, reads drive progress. */
	afterStatusRead(regId: number): void {
		const reg = this.byId.get(regId);
		if (reg && this.stepMs === null) this.step(reg);
	}

	advance(steps: number): void {
		for (const reg of this.byId.values()) {
			for (let i = 0; i < steps && !isSettled(reg); i++) this.step(reg);
		}
	}

	force(regId: number, forced: ForcedRegistration): void {
		const reg = this.byId.get(regId);
		if (!reg) throw new Error(`No registration ${regId}`);
		const result = forced.STATUS_RESULT;
		const defaultCode = result === 'success' ? 200 : result === 'error' ? 503 : null;
		const code = forced.STATUS_CODE ?? defaultCode;
		const defaultMessage =
			result === 'error' && code !== null ? (SIP_REASONS[code] ?? 'Error') : '';
		this.setPhase(reg, result, code, forced.ERROR_MESSAGE ?? defaultMessage);
	}

	/** Settled registrations to that server register again at once under the new behaviour. */
	setBehaviour(server: string, behaviour: ServerBehaviour | null): void {
		const key = normaliseServer(server);
		if (behaviour === null) this.behaviours.delete(key);
		else this.behaviours.set(key, behaviour);
		for (const reg of this.byId.values()) {
			this.catchUp(reg);
			if (isSettled(reg) && normaliseServer(reg.server) === key) this.settle(reg);
		}
	}

	setStepMs(stepMs: number | null): void {
		for (const reg of this.byId.values()) this.catchUp(reg);
		this.stepMs = stepMs;
	}

	private setPhase(
		reg: Registration,
		result: RegistrationResult,
		code: number | null,
		message: string,
	): void {
		const at = this.now();
		reg.result = result;
		reg.code = code;
		reg.message = message;
		reg.updatedAt = at;
		reg.phaseSince = at;
	}

	private step(reg: Registration, at?: number): void {
		if (reg.result === 'wait') this.setPhase(reg, 'in_progress', reg.code, reg.message);
		else if (reg.result === 'in_progress') this.settle(reg);
		if (at !== undefined) {
			reg.updatedAt = at;
			reg.phaseSince = at;
		}
	}

	private settle(reg: Registration): void {
		const behaviour = this.behaviours.get(normaliseServer(reg.server));
		let code = 200;
		let message = '';
		if (behaviour && 'statusCode' in behaviour) {
			code = behaviour.statusCode;
			message = behaviour.errorMessage ?? SIP_REASONS[code] ?? 'Error';
		} else if (behaviour && reg.password !== behaviour.requirePassword) {
			code = 401;
		} else if (!behaviour && reg.password === '') {
			// PASSWORD is optional for the call but a registration without one is refused.
			code = 401;
		}
		if (code === 401 && message === '') message = SIP_REASONS[401];
		if (code === 200) message = '';
		this.setPhase(reg, code === 200 ? 'success' : 'error', code, message);
	}

	/** With a step interval, apply every step that has fallen due since the phase began. */
	private catchUp(reg: Registration): void {
		if (this.stepMs === null) return;
		const now = this.now();
		while (!isSettled(reg) && now - reg.phaseSince >= this.stepMs) {
			this.step(reg, reg.phaseSince + this.stepMs);
		}
	}
}

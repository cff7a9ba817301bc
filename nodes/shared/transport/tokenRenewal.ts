/**
 * One renewal of an application's token at a time per credential in this process. Bitrix24 hands
 * out a new refresh token with every renewal and the old one stops working, so two calls that
 * both met an expired token must not both renew: the second would send a refresh token already
 * used and fail. The second waits for the first, then sends again with the token n8n saved.
 */
export class TokenRenewal {
	private running: Promise<unknown> | undefined;

	/** Whether another call of this credential is renewing the token right now. */
	get busy(): boolean {
		return this.running !== undefined;
	}

	/** Waits until a renewal that is running has ended, however it ended. */
	async settled(): Promise<void> {
		try {
			await this.running;
		} catch {
			// the call that renewed reports its own failure; a waiting call only needed to wait
		}
	}

	/** Runs `renew` as the credential's one renewal; calls that meet an expired token meanwhile wait. */
	async run<T>(renew: () => Promise<T>): Promise<T> {
		const attempt = renew();
		this.running = attempt;
		try {
			return await attempt;
		} finally {
			if (this.running === attempt) this.running = undefined;
		}
	}
}

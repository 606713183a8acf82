// Exponential backoff with "full jitter": each wait is uniform in
// [0, min(cap, base * 2^attempt)]. Full jitter spreads a crowd of clients
// that lost the same server, so a restart is not met by a synchronised stampede.
export class Backoff {
  constructor({ baseMs = 1000, capMs = 30000, random = Math.random } = {}) {
    this.baseMs = baseMs;
    this.capMs = capMs;
    this.random = random;
    this.attempt = 0;
  }

  /** The ceiling for the next wait, before jitter. */
  ceiling() {
    // Stop doubling once past the cap so the exponent cannot overflow.
    const exp = Math.min(this.attempt, 30);
    return Math.min(this.capMs, this.baseMs * Math.pow(2, exp));
  }

  /** Return the next delay in milliseconds and advance the attempt counter. */
  next() {
    const delay = Math.floor(this.random() * this.ceiling());
    this.attempt += 1;
    return delay;
  }

  reset() {
    this.attempt = 0;
  }
}

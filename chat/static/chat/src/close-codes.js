// What the client does for each close code of the contract (v1.1). Kept in a
// table so the policy reads in one place and is tested without a socket.
// `now`: reconnect without waiting; `count`: counts toward maxFailures.
//
// Every close that reaches this table was not asked for by the app: the
// client forgets a socket before closing it itself, so its own closes never
// get here. That is why 1000 means "reconnect": WeChat closes a
// backgrounded mini-program's socket with {code: 1000, reason: "interrupted"}.
export const CLOSE_POLICY = {
  1000: { action: 'reconnect', count: true }, // platform or server closed it unasked: resume with backoff
  1001: { action: 'reconnect', now: true, count: false }, // server restarting: resume at once
  1009: { action: 'drop_frame', count: true }, // do not resend the frame that was too big
  1011: { action: 'reconnect', count: true },
  1013: { action: 'reconnect', count: true }, // try again later, any instance: backoff
  4400: { action: 'report', code: 'protocol_error', count: true },
  4401: { action: 'relogin' },
  4403: { action: 'stop', reason: 'forbidden', code: 'forbidden' },
  4408: { action: 'reconnect', now: true, count: false }, // heartbeat timeout: resume at once
  4409: { action: 'kick' },
  4410: { action: 'replaced' }, // a newer socket of this device carries on
  4413: { action: 'reconnect', count: true }, // too slow to read: resume with backoff
  4429: { action: 'reconnect', count: true, minDelayMs: 5000 }, // rate limited: never sooner than 5 s
};
const DEFAULT_POLICY = { action: 'reconnect', count: true }; // 1006 and anything unknown

// Two logins in a row that the server still refuses are a failure like any
// other, so a broken account cannot spin the client in a tight loop.
const MAX_QUICK_RELOGINS = 2;

export function policyFor(code) {
  return CLOSE_POLICY[code] || DEFAULT_POLICY;
}

/** Apply the policy for `code` to a client whose socket just closed. */
export function handleClose(client, code) {
  // A kick can arrive on a socket whose close code the network lost.
  const p = client._kickReason ? CLOSE_POLICY[4409] : policyFor(code);
  switch (p.action) {
    case 'stop':
      if (p.code) client.emit('error', { code: p.code, close_code: code });
      client._stop(p.reason, 1000);
      return;
    case 'kick': {
      const reason = client._kickReason || 'signed_in_elsewhere';
      client.kicked = { reason };
      client.emit('kick', { reason });
      client._stop('kicked', 1000);
      return;
    }
    case 'replaced':
      // The newer socket may be one this client gave up on after sending its
      // hello (a slow handshake, then a retry): the server accepted that hello
      // last, and the client has closed that socket since. Then nothing
      // carries on, so this client must reconnect rather than stop.
      if (client._recentlyAbandonedHello()) client._retry({ countFailure: true });
      else client._stop('replaced', 1000);
      return;
    case 'drop_frame': {
      const offending = client._lastUnacked();
      if (offending) client._reject(offending, 'frame_too_big');
      else client.emit('error', { code: 'frame_too_big', close_code: code });
      client._retry({ countFailure: true });
      return;
    }
    case 'report':
      client.emit('error', { code: p.code, close_code: code });
      client._retry({ countFailure: true });
      return;
    case 'relogin':
      client.auth.forget();
      client._authRetries += 1;
      client.emit('relogin', { attempt: client._authRetries });
      if (client._authRetries <= MAX_QUICK_RELOGINS) client._retry({ countFailure: false, now: true });
      else client._retry({ countFailure: true });
      return;
    default:
      client._retry({ countFailure: p.count, now: p.now, minDelayMs: p.minDelayMs });
  }
}

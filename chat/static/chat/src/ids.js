// Identifiers made on the client: client_msg_id (1-64 chars per the contract)
// and the per-install device_id. Neither needs to be secret, only unique.
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

function randomChars(n, random) {
  let out = '';
  for (let i = 0; i < n; i++) out += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return out;
}

/** A time-prefixed id: sorts roughly by creation, unique enough per device. */
export function newId(prefix = '', random = Math.random) {
  return prefix + Date.now().toString(36) + '-' + randomChars(12, random);
}

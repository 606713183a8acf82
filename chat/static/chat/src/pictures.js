// Pictures: the upload to /api/chat/media and the message that carries the
// picture, queued like text once the server has it. The client's sendImage,
// uploadImage and absoluteMedia call these.
import { textProblem, TEXT_MESSAGES } from './text.js';
import { newId } from './ids.js';

// A 10 MiB picture over a slow mobile link.
const UPLOAD_TIMEOUT_MS = 60000;

/** client.sendImage: upload, then queue the message; null after one `error` event. */
export async function sendImage(client, file, text) {
  const words = typeof text === 'string' ? text : '';
  if (words && textProblem(words)) return client._refuse(textProblem(words), TEXT_MESSAGES[textProblem(words)]);
  // A browser File knows its size: one the server announced it would refuse is not sent at all.
  const limit = client._welcome && client._welcome.max_media_bytes;
  if (limit && file && typeof file.size === 'number' && file.size > limit) {
    return client._refuse('too_large', 'the picture is larger than ' + limit + ' bytes');
  }
  let uploaded;
  try {
    uploaded = await client.uploadImage(file);
  } catch (err) {
    return client._refuse(err.code || 'upload_failed', err.message);
  }
  return client._queue({ client_msg_id: newId('m-', client.random), text: words, media_id: uploaded.media_id,
                         created_at: Date.now(), media: client.absoluteMedia(uploaded) });
}

/** client.uploadImage: POST the picture, logging in again once on a 401. */
export async function uploadImage(client, file) {
  if (typeof client.adapter.upload !== 'function') throw Object.assign(new Error('this platform cannot upload'), { code: 'upload_failed' });
  for (let attempt = 0; attempt < 2; attempt++) {
    const token = await client.auth.token();
    const res = await client.adapter.upload({
      url: client.baseUrl + '/api/chat/media', file, timeoutMs: UPLOAD_TIMEOUT_MS, headers: { Authorization: 'Bearer ' + token },
    });
    if (res.status === 200 && res.data && res.data.media_id) return res.data;
    if (res.status !== 401) {
      const code = (res.data && res.data.error) || 'upload_failed';
      throw Object.assign(new Error((res.data && res.data.message) || code), { code, status: res.status });
    }
    client.auth.forget(); // expired: log in again and upload once more
  }
  throw Object.assign(new Error('unauthorized'), { code: 'unauthorized' });
}

/** client.absoluteMedia: the media's paths made URLs on the client's baseUrl. */
export function absoluteMedia(client, media) {
  if (!media || typeof media !== 'object') return media;
  const out = Object.assign({}, media);
  for (const key of ['url', 'thumb_url']) {
    if (typeof out[key] === 'string' && out[key].charAt(0) === '/') out[key] = client.baseUrl + out[key];
  }
  return out;
}

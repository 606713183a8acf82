// Assembles streamed bot answers. Deltas are not stored by the server and
// carry no seq; they are only a preview. The final `message` with the same
// stream_id is the truth and replaces the preview, so a client that missed
// deltas loses nothing.
const FINISHED_MEMORY = 100;

export class StreamAssembler {
  constructor() {
    this.streams = new Map();
    this.finished = [];
  }

  /**
   * Add one `stream` frame. Returns the current preview
   * {stream_id, conversation_id, text} or null when the frame is stale.
   */
  add(frame) {
    const id = frame.stream_id;
    if (!id || this.finished.includes(id)) return null;
    let s = this.streams.get(id);
    if (!s) {
      s = { stream_id: id, conversation_id: frame.conversation_id, parts: [], text: '' };
      this.streams.set(id, s);
    }
    const index = Number(frame.index) || 0;
    if (s.parts[index] !== undefined) return null; // a repeated delta
    s.parts[index] = String(frame.delta || '');
    // Show only the contiguous prefix: a hole means a delta is still on its way.
    let text = '';
    for (let i = 0; i < s.parts.length && s.parts[i] !== undefined; i++) text += s.parts[i];
    s.text = text;
    return { stream_id: id, conversation_id: s.conversation_id, text, index, delta: s.parts[index] };
  }

  /** Mark a stream as finished by its final message; later deltas are ignored. */
  finish(streamId) {
    if (!streamId) return false;
    const had = this.streams.delete(streamId);
    this.finished.push(streamId);
    if (this.finished.length > FINISHED_MEMORY) this.finished.shift();
    return had;
  }

  /** Previews still open, e.g. to drop them when the socket is lost. */
  open() {
    return Array.from(this.streams.values()).map((s) => ({ stream_id: s.stream_id, conversation_id: s.conversation_id, text: s.text }));
  }

  clear() {
    this.streams.clear();
  }
}

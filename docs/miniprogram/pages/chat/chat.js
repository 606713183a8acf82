// The chat page: renders what the app's client delivers. All ordering,
// dedup, retries and resume happen in the SDK.
const app = getApp();
const config = require('../../config.js');

// What the SDK's `error` event codes mean to the customer. `send()` returns
// null and emits one such error when it refuses a message; nothing is queued.
const SEND_ERRORS = {
  text_length: '消息太长了（最多 4000 字）',
  bad_text: '消息含有无法发送的字符，请重新输入',
  storage_full: '待发送的消息太多，请等网络恢复后再试',
  outbox_full: '待发送的消息太多，请等网络恢复后再试',
  too_large: '图片太大了（最多 10 MB）',
  unsupported_type: '只能发送 JPEG、PNG、WebP 或 GIF 图片',
  rejected: '这张图片无法发送',
  upload_failed: '图片上传失败，请重试',
};
const SENDER_NAMES = { bot: '智能客服', agent: '人工客服', system: '系统' };
const STATE_TEXT = {
  idle: '未连接', connecting: '连接中…', open: '已连接',
  reconnecting: '网络不稳定，正在重连…', offline: '无法连接，点击重试', stopped: '已断开',
};

/** A message's picture as the page shows it: the thumbnail, and the full picture to preview. */
function picture(media) {
  return media && media.thumb_url ? { thumb: media.thumb_url, url: media.url } : {};
}

Page({
  data: {
    items: [], // {key, mine, name, text, thumb, url, pending, failed, streaming}
    state: 'idle',
    stateText: STATE_TEXT.idle,
    statusText: '',
    input: '',
    scrollInto: '',
    suggestions: ['订单什么时候发货？', '怎么申请退款？', '修改收货地址', '发票怎么开？'],
    showRating: false,
    score: 0,
    handoffDisabled: false,
  },

  onLoad() {
    this.chat = app.globalData.chat;
    this.offs = [
      this.chat.on('state', (s) => this.setData({ state: s, stateText: STATE_TEXT[s] || s })),
      this.chat.on('pending', (item) => this.upsert('cm:' + item.client_msg_id, Object.assign({ mine: true, text: item.text, pending: true }, picture(item.media)))),
      this.chat.on('message', (m) => this.onMessage(m)),
      this.chat.on('stream', (s) => this.upsert('st:' + s.stream_id, { mine: false, name: SENDER_NAMES.bot, text: s.text, streaming: true })),
      this.chat.on('status', (s) => this.onStatus(s)),
      this.chat.on('rejected', (r) => this.upsert('cm:' + r.client_msg_id, { pending: false, failed: true })),
      this.chat.on('error', (e) => {
        if (SEND_ERRORS[e.code]) wx.showToast({ title: SEND_ERRORS[e.code], icon: 'none' });
      }),
    ];
    this.chat.outbox.list().forEach((item) => this.upsert('cm:' + item.client_msg_id, { mine: true, text: item.text, pending: true }));
    this.setData({ state: this.chat.state, stateText: STATE_TEXT[this.chat.state] });
  },

  onUnload() {
    // The client belongs to the app; the page only stops listening.
    (this.offs || []).forEach((off) => off());
  },

  onMessage(m) {
    // The stored message replaces its pending or streaming bubble.
    const old = m.client_msg_id ? 'cm:' + m.client_msg_id : m.stream_id ? 'st:' + m.stream_id : null;
    const fields = {
      mine: m.sender === 'customer',
      name: m.sender === 'agent' && m.sender_name ? m.sender_name : SENDER_NAMES[m.sender] || '',
      text: m.text, pending: false, streaming: false, seq: m.seq,
    };
    Object.assign(fields, picture(m.media));
    this.upsert(old && this.index(old) >= 0 ? old : 'seq:' + m.conversation_id + ':' + m.seq, fields);
    if (m.sender !== 'customer') this.chat.markRead(m.seq);
  },

  onStatus(s) {
    let statusText = '';
    if (s.status === 'queued') statusText = s.queue_position ? `正在转接人工，您排在第 ${s.queue_position} 位` : '正在转接人工…';
    else if (s.status === 'agent') statusText = `${s.agent_name || '人工客服'} 为您服务`;
    else if (s.status === 'closed') statusText = '会话已结束';
    this.setData({
      statusText,
      handoffDisabled: s.status === 'queued' || s.status === 'agent',
      showRating: s.status === 'closed',
      score: 0,
    });
    this.closedConversation = s.status === 'closed' ? s.conversation_id : null;
  },

  index(key) {
    return this.data.items.findIndex((it) => it.key === key);
  },

  upsert(key, fields) {
    const i = this.index(key);
    if (i >= 0) {
      this.setData({ [`items[${i}]`]: Object.assign({}, this.data.items[i], fields) });
    } else {
      const items = this.data.items.concat([Object.assign({ key, id: 'm' + this.data.items.length }, fields)]);
      this.setData({ items, scrollInto: 'm' + (items.length - 1) });
    }
  },

  onInput(e) {
    this.setData({ input: e.detail.value });
    this.chat.typing();
  },

  onSend() {
    const text = this.data.input.trim();
    if (!text) return;
    this.askToNotify();
    // Keep the text in the box when the SDK refuses it, so nothing typed is lost.
    if (this.chat.send(text)) this.setData({ input: '' });
  },

  /** Pick a photo (album or camera) and send it, with what is in the box as its words. */
  onPickImage() {
    this.askToNotify();
    wx.chooseMedia({
      count: 1, mediaType: ['image'], sourceType: ['album', 'camera'], sizeType: ['compressed'],
      success: (res) => {
        const file = res.tempFiles && res.tempFiles[0];
        if (!file) return;
        const text = this.data.input.trim();
        // The SDK uploads it (wx.uploadFile), then sends the message; a refusal comes as an `error` toast.
        this.chat.sendImage(file.tempFilePath, text).then((item) => {
          if (item && text) this.setData({ input: '' });
        });
      },
    });
  },

  onPreview(e) {
    wx.previewImage({ urls: [e.currentTarget.dataset.url] });
  },

  /**
   * Ask for one-time subscription consent (it must follow a tap, as here) and
   * report what the customer accepted: each acceptance lets the server send
   * one notification when an agent answers after they left.
   */
  askToNotify() {
    const ids = config.TEMPLATE_IDS || [];
    if (!ids.length || !wx.requestSubscribeMessage) return;
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success: (res) => {
        const accepted = ids.filter((id) => res[id] === 'accept');
        if (accepted.length) this.chat.reportSubscriptions(accepted).catch(() => {});
      },
    });
  },

  onSuggestion(e) {
    this.askToNotify();
    this.chat.send(e.currentTarget.dataset.q);
  },

  onHandoff() {
    this.chat.handoff('customer_request');
    this.setData({ handoffDisabled: true });
  },

  onRetry() {
    if (this.data.state === 'offline' || this.data.state === 'stopped') this.chat.start();
  },

  onStar(e) {
    this.setData({ score: Number(e.currentTarget.dataset.score) });
  },

  onRate() {
    if (!this.data.score) return;
    this.chat.rate(this.data.score, '', this.closedConversation)
      .then(() => {
        this.setData({ showRating: false });
        wx.showToast({ title: '感谢评价' });
      })
      .catch(() => wx.showToast({ title: '提交失败', icon: 'none' }));
  },
});

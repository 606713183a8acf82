// The app owns one chat client for its whole life: pages come and go, the
// connection, outbox and resume point must not.
const { CsbotClient } = require('./utils/csbot-sdk.js');

// Must be listed as a legal domain (request and socket) in the mini-program
// admin console, and must be https/wss with a valid certificate.
const BASE_URL = 'https://chat.example.com';

App({
  globalData: { chat: null },

  onLaunch() {
    const chat = new CsbotClient({
      baseUrl: BASE_URL,
      login: 'wx', // wx.login -> POST /api/auth/wx-login; the token is kept in storage
      appVersion: '1.0.0',
      maxFailures: 8,
    });
    // The SDK itself listens to wx.onAppShow and wx.onNetworkStatusChange
    // and reconnects (with resume) when the app comes back or the network
    // returns; the app only needs to start it once.
    chat.on('kick', () => {
      wx.showModal({
        title: '已在其他设备登录',
        content: '您的账号已在其他设备上打开客服会话。是否在本机继续？',
        confirmText: '在本机继续',
        success: (res) => {
          if (res.confirm) chat.start();
        },
      });
    });
    chat.start();
    this.globalData.chat = chat;
  },

  onShow() {
    // Returning from the background: WeChat may have frozen or closed the
    // socket. The SDK's own onAppShow handler pings (or reconnects); nothing
    // else to do here.
  },

  onHide() {
    // After about 5 s in the background WeChat suspends the JS thread and
    // sockets stop; the server then closes ours with 4408 after three missed
    // heartbeats. Unsent messages are safe in the outbox (storage).
  },
});

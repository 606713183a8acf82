// The app owns one chat client for its whole life: pages come and go, the
// connection, outbox and resume point must not.
// utils/csbot-sdk.js is copied in by `make miniprogram-sdk`.
const { CsbotClient } = require('./utils/csbot-sdk.js');
const config = require('./config.js');

App({
  globalData: { chat: null },

  onLaunch() {
    const chat = new CsbotClient({
      baseUrl: config.BASE_URL,
      // 'wx': wx.login -> POST /api/auth/wx-login; 'dev': /api/auth/dev-login
      // (only on a development server). The token is kept in storage.
      login: config.LOGIN,
      appVersion: config.APP_VERSION,
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
    // closes the socket (code 1000, reason "interrupted"); the SDK waits for
    // onAppShow and resumes. Unsent messages are safe in the outbox (storage).
  },
});

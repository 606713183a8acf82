// The one place the example is pointed at a server.
//
// Development: `make run` serves http://127.0.0.1:8000 with dev login on.
// In WeChat DevTools tick 详情 → 本地设置 → 不校验合法域名、web-view（业务域名）、
// TLS 版本以及 HTTPS 证书 (project.config.json already sets urlCheck: false).
// A phone in debug mode (vConsole on) skips the domain check too, but cannot
// reach 127.0.0.1: run `make run HOST=0.0.0.0` and use the computer's LAN address.
//
// Production: the https origin listed as request and socket 合法域名, and
// LOGIN 'wx' (wx.login -> /api/auth/wx-login). The server refuses dev login
// unless CSBOT_DEV_LOGIN is set, which it never is in production.
module.exports = {
  BASE_URL: 'http://127.0.0.1:8000',
  LOGIN: 'dev', // 'dev' with `make run`; 'wx' for a real deployment
  APP_VERSION: '1.0.0',
  // One-time subscription templates (the server's CSBOT_WX_NOTIFY_TEMPLATES):
  // asked for when the customer sends, so an agent's answer can reach them
  // after they leave. Empty: never asked.
  TEMPLATE_IDS: [],
};

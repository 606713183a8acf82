// One-time subscription consents (wx.requestSubscribeMessage), reported to
// the server, which may then send one notification each while the app is
// closed. The client's reportSubscriptions calls this.
const REQUEST_TIMEOUT_MS = 15000;

/** client.reportSubscriptions: POST the accepted ids, logging in again once on a 401. */
export async function reportSubscriptions(client, templateIds) {
  const ids = Array.isArray(templateIds) ? templateIds.filter((t) => typeof t === 'string' && t) : [];
  if (!ids.length) return 0;
  for (let attempt = 0; attempt < 2; attempt++) {
    const token = await client.auth.token();
    const res = await client.adapter.request({
      method: 'POST', url: client.baseUrl + '/api/wx/subscriptions', body: { template_ids: ids.slice(0, 10) },
      timeoutMs: REQUEST_TIMEOUT_MS, headers: { Authorization: 'Bearer ' + token },
    });
    if (res.status === 200 && res.data && typeof res.data.accepted === 'number') return res.data.accepted;
    if (res.status !== 401) throw new Error((res.data && res.data.error) || 'status ' + res.status);
    client.auth.forget(); // expired: log in again and report once more
  }
  throw new Error('unauthorized');
}

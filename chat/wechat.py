"""The client for WeChat's code-to-session exchange."""

from dataclasses import dataclass

import httpx
from django.conf import settings

# WeChat answers these for a code that is wrong, used or expired.
BAD_CODE_ERRORS = frozenset({40029, 40163, 40226, 41008})


class InvalidCode(Exception):
    """WeChat rejected the login code."""


class UpstreamUnavailable(Exception):
    """WeChat could not be reached or answered with an error of its own."""


@dataclass(frozen=True)
class Session:
    openid: str
    session_key: str
    unionid: str = ""


async def code_to_session(code):
    """Exchange a wx.login code for the user's openid and session key."""
    params = {
        "appid": settings.CSBOT_WX_APPID,
        "secret": settings.CSBOT_WX_SECRET,
        "js_code": code,
        "grant_type": "authorization_code",
    }
    url = settings.CSBOT_WX_API_BASE.rstrip("/") + "/sns/jscode2session"
    try:
        async with httpx.AsyncClient(timeout=settings.CSBOT_WX_TIMEOUT_S) as client:
            response = await client.get(url, params=params)
    except httpx.HTTPError as exc:
        raise UpstreamUnavailable(type(exc).__name__) from exc
    if response.status_code != 200:
        raise UpstreamUnavailable(f"http {response.status_code}")
    try:
        data = response.json()
    except ValueError as exc:
        raise UpstreamUnavailable("not json") from exc
    errcode = data.get("errcode") or 0
    if errcode in BAD_CODE_ERRORS:
        raise InvalidCode(str(errcode))
    if errcode or not data.get("openid") or not data.get("session_key"):
        raise UpstreamUnavailable(f"errcode {errcode}")
    return Session(openid=data["openid"], session_key=data["session_key"], unionid=data.get("unionid", ""))

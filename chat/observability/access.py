"""Who may read /metrics: listed networks, or a bearer token when one is set."""

import hmac
import ipaddress


def parse_networks(items):
    """Return ip_network objects for CIDR strings; a bare address is a /32 or /128."""
    return [ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip()]


def address_allowed(remote_addr, networks):
    """Return whether an address lies in one of the networks."""
    try:
        address = ipaddress.ip_address((remote_addr or "").split("%", 1)[0])
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def token_matches(header, token):
    """Return whether an Authorization header carries the bearer token; no token set never matches."""
    if not token or not header or header[:7].lower() != "bearer ":
        return False
    return hmac.compare_digest(header[7:].strip().encode(), token.encode())

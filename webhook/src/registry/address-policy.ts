// Which IP addresses the lookup may connect to: never link-local or cloud metadata endpoints (SSRF).

import { BlockList, isIP } from "node:net";

const FORBIDDEN = new BlockList();
FORBIDDEN.addSubnet("169.254.0.0", 16, "ipv4");
FORBIDDEN.addSubnet("fe80::", 10, "ipv6");
FORBIDDEN.addAddress("fd00:ec2::254", "ipv6");

/** IPv4-mapped IPv6 (`::ffff:169.254.169.254`) reaches the IPv4 address; check that one. */
function mappedIpv4(address: string): string | null {
  const match = /^::ffff:(?:0:)?([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)$/i.exec(address);
  return match?.[1] ?? null;
}

/** True for addresses a registry lookup must never contact. Non-IP text is not an address: false. */
export function isForbiddenAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const family = isIP(bare);
  if (family === 4) return FORBIDDEN.check(bare, "ipv4");
  if (family !== 6) return false;
  const v4 = mappedIpv4(bare);
  if (v4 !== null) return FORBIDDEN.check(v4, "ipv4");
  return FORBIDDEN.check(bare, "ipv6");
}

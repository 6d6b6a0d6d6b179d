// Which IP addresses the lookup may connect to: never link-local or cloud metadata endpoints (SSRF), in any spelling.

import { BlockList, isIP } from "node:net";

const FORBIDDEN = new BlockList();
// Link-local: every cloud's metadata service (169.254.169.254), ECS task metadata, link-local DNS.
FORBIDDEN.addSubnet("169.254.0.0", 16, "ipv4");
// Alibaba Cloud's metadata service lives outside the link-local range.
FORBIDDEN.addAddress("100.100.100.200", "ipv4");
FORBIDDEN.addSubnet("fe80::", 10, "ipv6");
// AWS's link-local services over IPv6, the counterparts of 169.254.169.x: the metadata service
// (::254), the DNS resolver (::253) and the time service (::123) share this /64.
FORBIDDEN.addSubnet("fd00:ec2::", 64, "ipv6");

/**
 * IPv6 prefixes that carry an IPv4 address, and where (RFC 6052 prefix lengths): an address in
 * them reaches, through the host's stack or a translator, the IPv4 address it embeds.
 */
const EMBEDDINGS: readonly { prefix: string; bits: number; lengths: readonly number[] }[] = [
  { prefix: "::ffff:0:0", bits: 96, lengths: [96] }, // IPv4-mapped
  { prefix: "::", bits: 96, lengths: [96] }, // IPv4-compatible (deprecated, still routed by some stacks)
  { prefix: "::ffff:0:0:0", bits: 96, lengths: [96] }, // IPv4-translated (SIIT)
  { prefix: "64:ff9b::", bits: 96, lengths: [96] }, // NAT64, well-known prefix
  // NAT64 for local use (RFC 8215): the network picks the prefix length, so every one is read.
  { prefix: "64:ff9b:1::", bits: 48, lengths: [48, 56, 64, 96] },
];

/** The 16 bytes of an address `isIP` accepted as IPv6 (no zone), `::` and dotted tails expanded. */
function ipv6Bytes(address: string): Uint8Array {
  const words = (part: string): number[] =>
    part === ""
      ? []
      : part.split(":").flatMap(word => {
          if (!word.includes(".")) return [parseInt(word, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = word.split(".").map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head = "", tail] = address.split("::");
  const front = words(head);
  const back = tail === undefined ? [] : words(tail);
  const all = [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
  const bytes = new Uint8Array(16);
  all.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return bytes;
}

const PARSED_EMBEDDINGS = EMBEDDINGS.map(e => ({ ...e, prefixBytes: ipv6Bytes(e.prefix) }));

/** RFC 6052: the IPv4 address starts at the prefix's end, skipping bits 64–71 (the "u" octet). */
function ipv4At(bytes: Uint8Array, prefixLength: number): string {
  const octets: number[] = [];
  for (let i = prefixLength / 8; octets.length < 4; i++) if (i !== 8) octets.push(bytes[i] ?? 0);
  return octets.join(".");
}

/** Every IPv4 address the IPv6 address may stand for. */
function embeddedIpv4(address: string): string[] {
  const bytes = ipv6Bytes(address);
  return PARSED_EMBEDDINGS.filter(e =>
    e.prefixBytes.slice(0, e.bits / 8).every((byte, i) => bytes[i] === byte),
  ).flatMap(e => e.lengths.map(length => ipv4At(bytes, length)));
}

/**
 * True for addresses a registry lookup must never contact. Non-IP text is not an address: false.
 * Addresses are checked as the transport connects to them (WHATWG URL hosts and DNS answers, so
 * `2852039166` or `0xa9fea9fe` arrive here already as 169.254.169.254).
 */
export function isForbiddenAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const family = isIP(bare);
  if (family === 4) return FORBIDDEN.check(bare, "ipv4");
  if (family !== 6) return false;
  if (FORBIDDEN.check(bare, "ipv6")) return true;
  return embeddedIpv4(bare).some(v4 => FORBIDDEN.check(v4, "ipv4"));
}

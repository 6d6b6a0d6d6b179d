// The SSRF guard: link-local and metadata addresses in every spelling are refused; ordinary ones are not.

import { describe, expect, it } from "vitest";
import { isForbiddenAddress } from "../../webhook/src/registry/address-policy.js";

describe("isForbiddenAddress", () => {
  it.each([
    "169.254.169.254",
    "169.254.0.1",
    "169.254.255.255",
    "fd00:ec2::254",
    "[fd00:ec2::254]",
    "fe80::1",
    "fe80::1%eth0",
    "::ffff:169.254.169.254",
    "::ffff:a9fe:a9fe",
  ])("refuses %s", address => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each([
    "127.0.0.1",
    "10.0.0.1",
    "169.253.255.255",
    "169.255.0.1",
    "::1",
    "fd00:ec2::253",
    "2001:db8::1",
    "registry.test",
  ])("allows %s", address => {
    expect(isForbiddenAddress(address)).toBe(false);
  });
});
